import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BusEvent } from '../../src/server/realtime/bus-event.js';
import { EventBus } from '../../src/server/realtime/event-bus.js';
import { singleLiveChannel } from '../../src/server/redis/live-channels.js';
import type { SessionEvent } from '../../src/shared/events.js';
import { eventually } from '../support/eventually.js';
import { startRedisProcess, type RedisProcess } from '../support/redis-process.js';
import { startTcpGate, type TcpGate } from './support/tcp-gate.js';

const removed = (): SessionEvent => ({ type: 'file.removed', fileId: randomUUID() });

/** Whether `promise` has settled by the time the queued callbacks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => { done = true; }, () => { done = true; });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('the event bus when its subscriber connection drops (fault injected: connections killed, their reconnects refused for a while)', () => {
  let redis: RedisProcess;
  let admin: Redis;
  let commandsGate: TcpGate;
  let subscriberGate: TcpGate;
  let commands: Redis;
  let subscriber: Redis;
  let bus: EventBus;
  const warnings: string[] = [];

  beforeAll(async () => {
    redis = await startRedisProcess({ persist: false });
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const port = Number(new URL(redis.url).port);
    commandsGate = await startTcpGate(port);
    subscriberGate = await startTcpGate(port);
  });
  afterAll(async () => {
    await commandsGate.close();
    await subscriberGate.close();
    admin.disconnect();
    await redis.dispose();
  });

  beforeEach(async () => {
    // No offline queue: while its connection is down, a catch-up read fails at once instead of waiting.
    commands = new Redis(`redis://127.0.0.1:${commandsGate.port}`, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    subscriber = new Redis(`redis://127.0.0.1:${subscriberGate.port}`);
    // Expected while their gates are shut; the app's connections log these the same way.
    for (const connection of [commands, subscriber]) connection.on('error', () => undefined);
    await eventually(() => commands.status === 'ready' && subscriber.status === 'ready', 10_000, 'both connections ready');
    const log = pino({ level: 'warn' }, { write: (line: string) => { warnings.push(line); } });
    bus = new EventBus({ redis: commands, live: singleLiveChannel(subscriber), prefix: `heal-${randomUUID()}`, log, retentionMs: 60_000 });
  });
  afterEach(async () => {
    await bus.close();
    commands.disconnect();
    subscriber.disconnect();
    warnings.length = 0;
  });

  /** Kills the bus's subscriber connection and keeps it from coming back until `subscriberGate.open()`. */
  async function dropSubscriber(): Promise<void> {
    subscriberGate.shut();
    await admin.client('KILL', 'TYPE', 'pubsub');
    await eventually(() => subscriber.status !== 'ready', 10_000, 'the bus noticing');
  }

  it('keeps a feed held while its catch-up read fails, and gives it what it missed once the read succeeds', async () => {
    const sessionId = randomUUID();
    const feed = await bus.open(sessionId, null);
    const first = await bus.append(sessionId, removed());
    expect((await feed.next())?.id).toBe(first);

    await dropSubscriber();
    const missed = await bus.append(sessionId, removed());
    commandsGate.shut();
    await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await eventually(() => commands.status !== 'ready', 10_000, 'the command connection down');

    const next = feed.next();
    subscriberGate.open();
    await eventually(() => warnings.some((line) => line.includes('could not catch up')), 10_000, 'a catch-up read failing');
    expect(await settled(next)).toBe(false);

    commandsGate.open();
    expect((await next)?.id).toBe(missed);
    const later = await bus.append(sessionId, removed());
    expect((await feed.next())?.id).toBe(later);
    await feed.close();
  });

  it('ends a held feed only when the bus closes', async () => {
    const sessionId = randomUUID();
    const feed = await bus.open(sessionId, null);
    await dropSubscriber();
    const next: Promise<BusEvent | undefined> = feed.next();
    expect(await settled(next)).toBe(false);
    await bus.close();
    await expect(next).resolves.toBeUndefined();
    subscriberGate.open();
  });
});
