import type { TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../../src/server/api/root.js';
import type { SessionEvent } from '../../src/shared/events.js';
import type { createWsTestClient } from './ws-client.js';

export interface TrackedEvent {
  id: string;
  data: SessionEvent;
}

/** Subscribes to session.events and records everything that arrives, with promises for the milestones. */
export function recordEvents(ws: Pick<ReturnType<typeof createWsTestClient>, 'client'>, input: { sessionId: string; lastEventId?: string }) {
  const events: TrackedEvent[] = [];
  let onStarted!: () => void;
  let onComplete!: () => void;
  let onError!: (error: TRPCClientError<AppRouter>) => void;
  const started = new Promise<void>((resolve) => { onStarted = resolve; });
  const completed = new Promise<void>((resolve) => { onComplete = resolve; });
  const failed = new Promise<TRPCClientError<AppRouter>>((resolve) => { onError = resolve; });
  const waiters: { count: number; resolve: () => void }[] = [];
  let ended = false;
  const subscription = ws.client.session.events.subscribe(input, {
    onStarted: () => { onStarted(); },
    onData: (envelope) => {
      events.push({ id: envelope.id, data: envelope.data });
      for (const waiter of waiters.filter((w) => events.length >= w.count)) waiter.resolve();
    },
    onComplete: () => { ended = true; onComplete(); },
    onError: (error) => { ended = true; onError(error); },
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
    /** Neither an error nor a completion has arrived. */
    isOpen: () => !ended,
    unsubscribe: () => { subscription.unsubscribe(); },
  };
}

/** Resolves with `value` after `ms`, to bound a wait that must not happen. */
export function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => { resolve(value); }, ms));
}
