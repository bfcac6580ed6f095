import { expect } from 'vitest';
import { compareEventIds } from '../../../src/shared/event-id.js';
import type { MessageView } from '../../../src/shared/chat.js';
import type { TestDatabase } from '../../support/databases.js';
import type { TrackedEvent } from '../../support/subscription.js';
import type { createTestClient } from '../../support/trpc-client.js';

/** The environment of every process in a scenario: one database, the scenario's own Redis, budgets out of the way. */
export function scenarioEnv(database: TestDatabase, redisUrl: string): Record<string, string> {
  return {
    DATA_DIR: database.dataDir,
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    RATE_LIMIT_PER_MINUTE: '100000',
    CHAT_RATE_LIMIT_PER_MINUTE: '100000',
    UPLOAD_RATE_LIMIT_PER_MINUTE: '100000',
    SESSION_MESSAGES_PER_MINUTE: '100000',
  };
}

/** Sends chat messages one after another through `http` and keeps what the server answered, in order. */
export function chatSender(http: ReturnType<typeof createTestClient>, sessionId: string) {
  const sent: MessageView[] = [];
  return {
    sent,
    async send(text: string): Promise<void> {
      sent.push(await http.client.chat.send.mutate({ sessionId, text }));
    },
  };
}

export function chatMessages(events: TrackedEvent[]): MessageView[] {
  return events.flatMap((entry) => (entry.data.type === 'chat.message' ? [entry.data.message] : []));
}

/**
 * What a tab received is exactly what was sent, end to end: every message once, in order, with
 * its payload as the sender was answered, and every event id new and increasing (a resume that
 * replayed too much or too little would break one of these).
 */
export function expectExactly(events: TrackedEvent[], sent: MessageView[]): void {
  expect(chatMessages(events)).toEqual(sent);
  const ids = events.map((entry) => entry.id);
  for (let i = 1; i < ids.length; i += 1) expect(compareEventIds(ids[i - 1] ?? '', ids[i] ?? '')).toBeLessThan(0);
}
