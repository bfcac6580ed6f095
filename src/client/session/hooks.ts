import { useContext, type Context } from 'react';
import type { FilesChannel } from '../realtime/files-messages.js';
import { ConnectionContext, EventLogContext, FilesChannelContext, SessionActionsContext, SessionStateContext, type SessionActions } from './contexts.js';
import type { Connection, EventLogEntry } from './session-controller.js';
import type { SessionState } from './session-state.js';

function useProvided<T>(context: Context<T | undefined>, hook: string): T {
  const value = useContext(context);
  if (value === undefined) {
    throw new Error(`${hook}() must be called inside <SessionProvider> (which <AppProviders> includes).`);
  }
  return value;
}

export function useSessionState(): SessionState {
  return useProvided(SessionStateContext, 'useSessionState');
}

/** The id of the session this tab is in. Render its callers only while the status is `active` or `resetting`. */
export function useSessionUUID(): string {
  const state = useProvided(SessionStateContext, 'useSessionUUID');
  if (state.status === 'active' || state.status === 'resetting') return state.session.sessionId;
  throw new Error(`useSessionUUID() needs a session, but this tab's session is ${state.status}. Render components that use it only while useSessionState().status is 'active' or 'resetting'.`);
}

export function useSessionActions(): SessionActions {
  return useProvided(SessionActionsContext, 'useSessionActions');
}

export function useConnection(): Connection {
  return useProvided(ConnectionContext, 'useConnection');
}

/** The latest events this tab heard, newest last (for developer controls). */
export function useEventLog(): readonly EventLogEntry[] {
  return useProvided(EventLogContext, 'useEventLog');
}

/** How this tab's files panel talks to the other tabs of the session; null until the channel is open. */
export function useFilesChannel(): FilesChannel | null {
  return useContext(FilesChannelContext);
}
