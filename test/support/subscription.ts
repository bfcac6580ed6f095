import type { TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../../src/server/api/root.js';
import type { SessionEvent } from '../../src/shared/events.js';
import type { createWsTestClient } from './ws-client.js';

export interface TrackedEvent {
  id: string;
  data: SessionEvent;
}

/** Subscribes to session.events and records everything that arrives, with promises for the milestones. */
export function recordEvents(ws: ReturnType<typeof createWsTestClient>, input: { sessionId: string; lastEventId?: string }) {
  const events: TrackedEvent[] = [];
  let onStarted!: () => void;
  let onComplete!: () => void;
  let onError!: (error: TRPCClientError<AppRouter>) => void;
  const started = new Promise<void>((resolve) => { onStarted = resolve; });
  const completed = new Promise<void>((resolve) => { onComplete = resolve; });
  const failed = new Promise<TRPCClientError<AppRouter>>((resolve) => { onError = resolve; });
  const waiters: { count: number; resolve: () => void }[] = [];
  const subscription = ws.client.session.events.subscribe(input, {
    onStarted: () => { onStarted(); },
    onData: (envelope) => {
      events.push({ id: envelope.id, data: envelope.data });
      for (const waiter of waiters.filter((w) => events.length >= w.count)) waiter.resolve();
    },
    onComplete: () => { onComplete(); },
    onError: (error) => { onError(error); },
  });
  return {
    events,
    started,
    completed,
    failed,
    /** Resolves once `count` events have arrived. */
    received(count: number): Promise<void> {
      if (events.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    unsubscribe: () => { subscription.unsubscribe(); },
  };
}

/**
 * Subscribes as the web app's tab does: when the server breaks a subscription off with a retryable
 * error (5xx, 429), it subscribes again from the last event id it saw. Records the events and the
 * codes of the breaks.
 */
export function recordResumingEvents(ws: Pick<ReturnType<typeof createWsTestClient>, 'client'>, input: { sessionId: string }) {
  const events: TrackedEvent[] = [];
  const breaks: (string | undefined)[] = [];
  let onStarted!: () => void;
  const started = new Promise<void>((resolve) => { onStarted = resolve; });
  let current: { unsubscribe(): void } | undefined;
  const subscribe = () => {
    current = ws.client.session.events.subscribe(
      { sessionId: input.sessionId, lastEventId: events.at(-1)?.id },
      {
        onStarted: () => { onStarted(); },
        onData: (envelope) => { events.push({ id: envelope.id, data: envelope.data }); },
        onError: (error) => {
          breaks.push(error.data?.code);
          const status = error.data?.httpStatus ?? 500;
          if (status >= 500 || status === 429) subscribe();
        },
      },
    );
  };
  subscribe();
  return { events, breaks, started, unsubscribe: () => { current?.unsubscribe(); } };
}

/** Resolves with `value` after `ms`, to bound a wait that must not happen. */
export function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => { resolve(value); }, ms));
}
