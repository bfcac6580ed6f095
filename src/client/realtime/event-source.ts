import type { SessionEvent } from '../../shared/events.js';
import { createApiClient, type ApiClientOptions, type ConnectionStatus } from '../api/trpc-client.js';

export interface EventHandlers {
  onEvent: (id: string, event: SessionEvent) => void;
  onStatus: (status: ConnectionStatus) => void;
  /** The subscription ended for good: the session ended, or the server refused it. */
  onEnd: (error?: Error) => void;
}

/** Opens the server subscription of one session; only the leader tab calls it. */
export type EventSource = (sessionId: string, lastEventId: string | null, handlers: EventHandlers) => { close(): void };

/**
 * The real source: a WebSocket of its own per subscription. A new session means a new socket, so
 * that its upgrade carries the cookie the browser holds now (a reset rotates it).
 */
export function createServerEventSource(options: Omit<ApiClientOptions, 'onStatus'> = {}): EventSource {
  return (sessionId, lastEventId, handlers) => {
    handlers.onStatus('connecting');
    const api = createApiClient({ ...options, onStatus: handlers.onStatus });
    const subscription = api.client.session.events.subscribe(
      { sessionId, lastEventId },
      {
        onData: ({ id, data }) => { handlers.onEvent(id, data); },
        onError: (error) => { handlers.onEnd(error); },
        onComplete: () => { handlers.onEnd(); },
      },
    );
    return {
      close: () => {
        subscription.unsubscribe();
        void api.close();
      },
    };
  };
}
