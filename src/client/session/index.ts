/** The session layer: what screens and embedding apps use. */
export { AppProviders, type AppProvidersProps } from './app-providers.js';
export { SessionProvider, type SessionProviderProps } from './session-provider.js';
export { useConnection, useEventLog, useFilesChannel, useSessionActions, useSessionState, useSessionUUID } from './hooks.js';
export type { SessionActions } from './contexts.js';
export type { Connection, EventLogEntry } from './session-controller.js';
export type { SessionState } from './session-state.js';
export type { SessionEndReason } from '../api/failure.js';
export { describeEndReason } from './end-reasons.js';
export { createSessionIdStore, memoryStore, type SessionIdStore } from './session-id-store.js';
