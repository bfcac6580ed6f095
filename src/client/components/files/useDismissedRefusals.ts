import { useCallback, useEffect, useState } from 'react';
import { useFilesChannel, useSessionUUID } from '../../session/index.js';

const KEY = 'tabsync.dismissedRefusals';

/** Only the current session's dismissals are kept: the browser's tabs share one session. */
interface Stored {
  sessionId: string;
  fileIds: string[];
}

function read(sessionId: string): ReadonlySet<string> {
  try {
    const stored = JSON.parse(globalThis.localStorage.getItem(KEY) ?? 'null') as Stored | null;
    return new Set(stored?.sessionId === sessionId && Array.isArray(stored.fileIds) ? stored.fileIds : []);
  } catch {
    return new Set();
  }
}

function write(sessionId: string, fileIds: ReadonlySet<string>): void {
  try {
    globalThis.localStorage.setItem(KEY, JSON.stringify({ sessionId, fileIds: [...fileIds] } satisfies Stored));
  } catch {
    // Without storage, a dismissal lasts until the page is reloaded.
  }
}

/**
 * The refusal notices dismissed in this session: once in any tab is for every tab (told over the
 * tabs' channel) and for good (kept in localStorage).
 */
export function useDismissedRefusals(): { dismissed: ReadonlySet<string>; dismiss: (fileIds: readonly string[]) => void } {
  const sessionId = useSessionUUID();
  const channel = useFilesChannel();
  const [dismissed, setDismissed] = useState(() => read(sessionId));

  useEffect(
    () =>
      channel?.onFilesMessage((message) => {
        if (message.kind === 'refusals-dismissed') setDismissed((current) => new Set([...current, ...message.fileIds]));
      }),
    [channel],
  );

  const dismiss = useCallback(
    (fileIds: readonly string[]) => {
      const next = new Set([...dismissed, ...fileIds]);
      setDismissed(next);
      write(sessionId, next);
      channel?.shareFiles({ kind: 'refusals-dismissed', fileIds: [...fileIds] });
    },
    [channel, dismissed, sessionId],
  );

  return { dismissed, dismiss };
}
