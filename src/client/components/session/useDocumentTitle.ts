import { useEffect, useState } from 'react';
import { useConnection, useEventLog, useSessionState } from '../../session/index.js';

const APP_NAME = 'Tabsync';

/** Since when the page has been out of sight (another tab in front, a minimised window), or null while it is seen. */
function useHiddenSince(): number | null {
  const [since, setSince] = useState<number | null>(() => (document.visibilityState === 'hidden' ? Date.now() : null));
  useEffect(() => {
    const noteVisibility = () => { setSince(document.visibilityState === 'hidden' ? Date.now() : null); };
    document.addEventListener('visibilitychange', noteVisibility);
    return () => { document.removeEventListener('visibilitychange', noteVisibility); };
  }, []);
  return since;
}

/** The state worth a word in the tab's title; none while all is well. */
function stateWord(state: ReturnType<typeof useSessionState>, connection: ReturnType<typeof useConnection>['status']): string | undefined {
  switch (state.status) {
    case 'loading':
      return undefined;
    case 'error':
      return 'Not opened';
    case 'ended':
      return 'Session ended';
    case 'active':
    case 'resetting':
      if (connection === 'offline') return 'Offline';
      return connection === 'connecting' ? 'Connecting' : undefined;
  }
}

/**
 * The tab's title tells what a glance at the tab bar should: the messages that arrived while the
 * page was out of sight ("(2) Tabsync"), and a connection or session that is not as it should be
 * ("Offline · Tabsync"). The count clears as soon as the page is seen again.
 */
export function useDocumentTitle(): void {
  const state = useSessionState();
  const { status } = useConnection();
  const log = useEventLog();
  const hiddenSince = useHiddenSince();
  const unread = hiddenSince === null ? 0 : log.filter((entry) => entry.at >= hiddenSince && entry.event.type === 'chat.message').length;
  const word = stateWord(state, status);
  const title = `${unread > 0 ? `(${unread}) ` : ''}${word ? `${word} · ` : ''}${APP_NAME}`;
  useEffect(() => {
    document.title = title;
  }, [title]);
}
