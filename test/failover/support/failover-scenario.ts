import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { bullPrefix } from '../../../src/server/queues/job-queues.js';
import { compareEventIds } from '../../../src/shared/event-id.js';
import type { MessageView } from '../../../src/shared/chat.js';
import { QUEUE_NAMES } from '../../../src/shared/jobs.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from '../../support/databases.js';
import { eventually } from '../../support/eventually.js';
import { useForBlock } from '../../support/per-block.js';
import { startRedisProcess, type RedisProcess } from '../../support/redis-process.js';
import type { ServerProcess } from '../../support/server-process.js';
import type { TrackedEvent } from '../../support/subscription.js';
import type { TestClient } from '../../support/trpc-client.js';

/** The key prefix of server processes started without one (the default). */
export const SERVER_PREFIX = 'tabsync';

/** The environment of every process in a scenario: one database, the scenario's own Redis, budgets out of the way. */
function scenarioEnv(database: TestDatabase, redisUrl: string): Record<string, string> {
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

export interface Scenario {
  /** A redis-server of the scenario's own, which a test may stop and start. */
  readonly redis: RedisProcess;
  readonly database: TestDatabase;
  /** The environment of every process in the scenario (scenarioEnv). */
  readonly env: Record<string, string>;
}

/** A scenario's Redis and database for the enclosing describe block: the processes a test starts come and go on them. */
export function useScenario(kind: DatabaseKind): Scenario {
  return useForBlock('the scenario', async () => {
    const redis = await startRedisProcess();
    const database = await createTestDatabase(kind);
    return { redis, database, env: scenarioEnv(database, redis.url) };
  }, async ({ redis, database }) => {
    await database.drop();
    await redis.dispose();
  });
}

/** What a load balancer answers: `first` while its process runs, `second` after. */
export function firstRunning(first: ServerProcess, second: ServerProcess): () => string {
  return () => (first.child.exitCode === null && first.child.signalCode === null ? first.url : second.url);
}

/** Runs `look` on the servers' upload queue (their default key prefix), over a connection of its own. */
export async function withUploadQueue<T>(redisUrl: string, look: (uploads: Queue) => Promise<T>): Promise<T> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const uploads = new Queue(QUEUE_NAMES.upload, { connection, prefix: bullPrefix(SERVER_PREFIX, QUEUE_NAMES.upload) });
  try {
    return await look(uploads);
  } finally {
    await uploads.close();
    await connection.quit();
  }
}

/** Waits until the API lists every one of `fileIds` as stored and every tab has heard it. */
export async function storedEverywhere(http: TestClient, sessionId: string, fileIds: string[], tabs: { events: TrackedEvent[] }[]): Promise<void> {
  await eventually(async () => {
    const files = await http.client.files.list.query({ sessionId });
    return fileIds.every((fileId) => files.find((file) => file.fileId === fileId)?.status === 'stored');
  }, 30_000, 'every upload stored');
  await eventually(
    () => tabs.every((tab) => fileIds.every((fileId) => tab.events.some((entry) => entry.data.type === 'file.stored' && entry.data.file.fileId === fileId))),
    20_000,
    'the tabs hearing of every stored file',
  );
}

/** Sends chat messages one after another through `http` and keeps what the server answered, in order. */
export function chatSender(http: TestClient, sessionId: string) {
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
