import type { EventHandlers, EventSource, SubscriptionEnd } from '../../../src/client/realtime/event-source.js';
import type { SessionEvent } from '../../../src/shared/events.js';

/**
 * The server's `session.events` as the leader tab sees it, driven by the test: it records what
 * was subscribed, delivers events with increasing ids, and ends subscriptions as the server would.
 */
export class FakeEventSource {
  readonly open = new Set<{ sessionId: string; lastEventId: string | null; handlers: EventHandlers }>();
  readonly subscribed: { sessionId: string; lastEventId: string | null }[] = [];
  private seq = 0;

  readonly source: EventSource = (sessionId, lastEventId, handlers) => {
    const subscription = { sessionId, lastEventId, handlers };
    this.open.add(subscription);
    this.subscribed.push({ sessionId, lastEventId });
    handlers.onStatus('connected');
    return { close: () => { this.open.delete(subscription); } };
  };

  /** Publishes `event` to the session's open subscription; returns its id. */
  emit(sessionId: string, event: SessionEvent): string {
    this.seq += 1;
    const id = `1700000000000-${this.seq}`;
    for (const { sessionId: subscribed, handlers } of [...this.open]) if (subscribed === sessionId) handlers.onEvent(id, event);
    return id;
  }

  end(sessionId: string, end: SubscriptionEnd): void {
    for (const subscription of [...this.open]) {
      if (subscription.sessionId !== sessionId) continue;
      this.open.delete(subscription);
      subscription.handlers.onEnd(end);
    }
  }

  /** The socket's state changes, as the leader tab's connection reports it (the server went away, or came back). */
  setStatus(status: 'connected' | 'connecting' | 'offline'): void {
    for (const { handlers } of [...this.open]) handlers.onStatus(status);
  }

  isSubscribed(sessionId: string): boolean {
    return [...this.open].some((subscription) => subscription.sessionId === sessionId);
  }
}
