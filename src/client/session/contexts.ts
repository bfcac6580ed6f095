import { createContext } from 'react';
import type { FilesChannel } from '../realtime/files-messages.js';
import type { Connection, EventLogEntry } from './session-controller.js';
import type { SessionState } from './session-state.js';

export interface SessionActions {
  /** Ends this session and moves every tab to a new one. Never rejects: failures are toasted. */
  reset: () => Promise<void>;
  /** Starts a fresh session for every tab (after it ended, or after an error). Never rejects. */
  startNew: () => Promise<void>;
  /** Opens the live connection anew; after a failed start-up, tries the start-up again. */
  reconnect: () => void;
  /** Developer controls: this tab plays offline (no live updates) until told otherwise. */
  setSimulatedOffline: (offline: boolean) => void;
}

// Separate contexts, so that a component calling only actions does not re-render on every event.
export const SessionStateContext = createContext<SessionState | undefined>(undefined);
export const SessionActionsContext = createContext<SessionActions | undefined>(undefined);
export const ConnectionContext = createContext<Connection | undefined>(undefined);
export const EventLogContext = createContext<readonly EventLogEntry[] | undefined>(undefined);
/** The tabs' channel for the files panel; null until the provider has opened it. */
export const FilesChannelContext = createContext<FilesChannel | null>(null);
