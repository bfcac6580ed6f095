import type { SessionEvent } from '../../shared/events.js';

/**
 * Where services announce what changed. Publishing is fire-and-forget: a slow or failed delivery
 * never holds up the request that caused the change (the event bus logs and counts failures).
 */
export interface EventPublisher {
  publish(sessionId: string, event: SessionEvent): void;
}

export const discardEvents: EventPublisher = { publish: () => undefined };
