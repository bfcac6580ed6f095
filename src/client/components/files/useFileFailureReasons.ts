import { useMemo } from 'react';
import { useEventLog } from '../../session/index.js';

/** Why files were refused, in the server's words: only the `file.failed` event carries the reason. */
export function useFileFailureReasons(): ReadonlyMap<string, string> {
  const log = useEventLog();
  return useMemo(() => {
    const reasons = new Map<string, string>();
    for (const { event } of log) if (event.type === 'file.failed') reasons.set(event.file.fileId, event.reason);
    return reasons;
  }, [log]);
}
