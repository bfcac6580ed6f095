import { useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { BroadcastChannelOptions } from 'broadcast-channel';
import { trpc } from '../api/trpc-react.js';
import { createServerEventSource, type EventSource } from '../realtime/event-source.js';
import { TabHub } from '../realtime/tab-hub.js';
import { ConnectionContext, EventLogContext, FilesChannelContext, SessionActionsContext, SessionStateContext, type SessionActions } from './contexts.js';
import { watchDeniedQueries } from './denied-queries.js';
import { toastNotices } from './notices.js';
import type { SessionApi } from './session-api.js';
import { createSessionCaches } from './session-caches.js';
import { SessionController, type Connection, type EventLogEntry } from './session-controller.js';
import { createSessionIdStore, type SessionIdStore } from './session-id-store.js';
import { initialSessionState, sessionReducer } from './session-state.js';

/** How many events the developer controls' log keeps. */
const EVENT_LOG_LIMIT = 200;

export interface SessionProviderProps {
  children: ReactNode;
  /** The procedures to call; the tRPC provider's client by default. */
  api?: SessionApi;
  /** Where the leader tab hears the server's events; the WebSocket of the page's origin by default. */
  source?: EventSource;
  /** Where the session id is kept; localStorage, else sessionStorage, else memory by default. */
  storage?: SessionIdStore;
  /** The channel the tabs of this browser share (tests give each test a channel of its own). */
  channel?: { name?: string; options?: BroadcastChannelOptions };
}

const initialConnection: Connection = { status: 'connecting', isLeader: false, lastEventId: null };

/**
 * The session of this tab, shared live with the browser's other tabs. Must sit inside the tRPC
 * and TanStack Query providers (as in AppProviders): events land in their caches. Its props are
 * read once, when it mounts.
 */
export function SessionProvider({ children, api, source, storage, channel }: SessionProviderProps) {
  const utils = trpc.useUtils();
  const queryClient = useQueryClient();
  const [state, dispatch] = useReducer(sessionReducer, initialSessionState);
  const [connection, setConnection] = useState(initialConnection);
  const [eventLog, setEventLog] = useState<readonly EventLogEntry[]>([]);
  const [filesChannel, setFilesChannel] = useState<TabHub | null>(null);
  const controller = useRef<SessionController | null>(null);
  const mountProps = useRef({ utils, queryClient, api, source, storage, channel });

  useEffect(() => {
    const { utils, queryClient, api, source, storage, channel } = mountProps.current;
    const hub = new TabHub({ source: source ?? createServerEventSource(), channelName: channel?.name, channelOptions: channel?.options });
    const current = new SessionController({
      api: api ?? utils.client,
      store: storage ?? createSessionIdStore(),
      hub,
      caches: createSessionCaches(utils),
      notices: toastNotices,
      dispatch,
      onConnection: (change) => { setConnection((before) => ({ ...before, ...change })); },
      onEvent: (entry) => { setEventLog((log) => [...log.slice(-(EVENT_LOG_LIMIT - 1)), entry]); },
    });
    controller.current = current;
    setFilesChannel(hub);
    const stopWatching = watchDeniedQueries(queryClient.getQueryCache(), (sessionId, reason, message) => {
      hub.reportRefusal(sessionId, { kind: 'denied', reason, message });
    });
    // The browser says the network is back: no need to wait for the next backoff step.
    const reconnectNow = () => { current.reconnect(); };
    window.addEventListener('online', reconnectNow);
    void current.start();
    return () => {
      window.removeEventListener('online', reconnectNow);
      stopWatching();
      current.close();
      void hub.close();
      controller.current = null;
      setFilesChannel(null);
    };
  }, []);

  const actions = useMemo<SessionActions>(() => ({
    reset: () => controller.current?.reset() ?? Promise.resolve(),
    startNew: () => controller.current?.startNew() ?? Promise.resolve(),
    reconnect: () => { controller.current?.reconnect(); },
    setSimulatedOffline: (offline) => { controller.current?.setSimulatedOffline(offline); },
  }), []);

  return (
    <SessionActionsContext.Provider value={actions}>
      <SessionStateContext.Provider value={state}>
        <ConnectionContext.Provider value={connection}>
          <EventLogContext.Provider value={eventLog}>
            <FilesChannelContext.Provider value={filesChannel}>{children}</FilesChannelContext.Provider>
          </EventLogContext.Provider>
        </ConnectionContext.Provider>
      </SessionStateContext.Provider>
    </SessionActionsContext.Provider>
  );
}
