import type { SessionEvent } from '../../shared/events.js';
import { classifyFailure, type SessionEndReason } from '../api/failure.js';
import { createApiClient, type ApiClientOptions, type ConnectionStatus } from '../api/trpc-client.js';

/** How a subscription ended, as much as the tabs need to know to act on it. */
export type SubscriptionEnd =
  /** The stream finished after the session's final event (reset, expired). */
  | { kind: 'completed' }
  /** The server refused the session: it ended, or this browser does not own it. Final. */
  | { kind: 'denied'; reason: SessionEndReason; message: string }
  /** The server refused the request itself (a 4xx other than 429): trying again cannot help. */
  | { kind: 'refused'; message: string }
  /** It broke off (rate limited, server failure): subscribe again, after `retryAfterMs` if given. */
  | { kind: 'interrupted'; retryAfterMs?: number; message: string };

export interface EventHandlers {
  onEvent: (id: string, event: SessionEvent) => void;
  onStatus: (status: ConnectionStatus) => void;
  /** The subscription ended for good; a new one is needed to hear more. */
  onEnd: (end: SubscriptionEnd) => void;
}

/** Opens the server subscription of one session; only the leader tab calls it. */
export type EventSource = (sessionId: string, lastEventId: string | null, handlers: EventHandlers) => { close(): void };

export function subscriptionEndOf(error: unknown): SubscriptionEnd {
  const failure = classifyFailure(error);
  if (failure.kind === 'session_denied') return { kind: 'denied', reason: failure.reason, message: failure.message };
  if (failure.kind === 'refused') return { kind: 'refused', message: failure.message };
  if (failure.kind === 'rate_limited') return { kind: 'interrupted', retryAfterMs: failure.retryAfterSeconds * 1000, message: failure.message };
  return { kind: 'interrupted', message: failure.message };
}

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
        onError: (error) => { handlers.onEnd(subscriptionEndOf(error)); },
        onComplete: () => { handlers.onEnd({ kind: 'completed' }); },
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
