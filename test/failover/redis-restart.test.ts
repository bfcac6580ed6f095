import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newBrowser } from '../support/browsers.js';
import { PNG, uploadedFileId, uploadRaw } from '../support/file-uploads.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { after } from '../support/subscription.js';
import { eventually } from '../support/eventually.js';
import { chatMessages, chatSender, expectExactly, SERVER_PREFIX, storedEverywhere, useScenario, withUploadQueue } from './support/failover-scenario.js';
import { openRecordingTabs } from './support/failover-tab.js';

const OUTAGE_MS = 10_000;

describe.each(DATABASE_KINDS)('Redis stopped for 10 s under load and started again, on %s', (kind) => {
  const scenario = useScenario(kind);
  let server: ServerProcess;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => { server = await startServerProcess(scenario.env); });
  afterAll(async () => {
    await scenario.redis.start().catch(() => undefined);
    await worker?.kill('SIGTERM');
    await server.stop();
  });

  it('keeps validating, says not ready, keeps the subscriptions going with no event missed and loses no queued job', { timeout: 120_000 }, async () => {
    const http = await newBrowser(server.url);
    const { sessionId, cookie } = http;
    const chat = chatSender(http, sessionId);
    // Plain subscriptions, which tRPC's client never starts again after an error: the server holds
    // them while its subscriber connection is down and catches them up from the log once it is back.
    const { tabs, recorders } = await openRecordingTabs(2, () => server.url, cookie, sessionId);

    // Jobs queued before the stop, with no worker running yet: they must outlive it.
    const fileIds: string[] = [];
    for (let i = 0; i < 3; i += 1) fileIds.push(await uploadedFileId(await uploadRaw(server.url, PNG, { sessionId, name: `f${i}.png`, cookie })));
    for (let i = 0; i < 3; i += 1) await chat.send(`before ${i}`);
    await eventually(() => recorders.every((recorder) => chatMessages(recorder.events).length === 3), 20_000, 'the first messages arriving');

    await scenario.redis.stop();
    const stoppedAt = Date.now();
    // Load while Redis is away: validations (the session lives in the database; the rate limiter
    // falls back to its in-memory insurance) and messages, whose events are logged as lost by design.
    const validations: unknown[] = [];
    const readiness: number[] = [];
    let during = 0;
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      validations.push(await http.client.session.validate.mutate({ sessionId }));
      readiness.push((await fetch(`${server.url}/readyz`)).status);
      await chat.send(`during ${during++}`);
      await after(100, null);
    }
    expect(validations.length).toBeGreaterThan(5);
    expect(validations.every((answer) => answer !== null && typeof answer === 'object' && 'valid' in answer && answer.valid === true)).toBe(true);
    expect(readiness).toContain(503);

    await scenario.redis.start();
    await eventually(async () => (await fetch(`${server.url}/readyz`)).status === 200, 30_000, '/readyz answering 200 again');
    for (let i = 0; i < 5; i += 1) await chat.send(`after ${i}`);
    const kept = chat.sent.filter((message) => !message.text.startsWith('during'));
    const withoutOutage = (events: typeof recorders[number]['events']) => events.filter((entry) => !(entry.data.type === 'chat.message' && entry.data.message.text.startsWith('during')));
    await eventually(
      () => recorders.every((recorder) => chatMessages(withoutOutage(recorder.events)).length >= kept.length),
      30_000,
      'the messages sent after Redis came back reaching every tab',
    );
    await after(300, null);
    for (const recorder of recorders) expectExactly(withoutOutage(recorder.events), kept);
    for (const recorder of recorders) expect(recorder.isOpen()).toBe(true);

    // The jobs queued before the stop come back from the append-only file and are processed.
    const waiting = await withUploadQueue(scenario.redis.url, (uploads) => uploads.getJobs(['waiting']));
    expect(waiting.map((job) => job.id).sort()).toEqual([...fileIds].sort());
    worker = await startWorkerProcess(scenario.env, { redisPrefix: SERVER_PREFIX, lockDuration: 5000, stalledInterval: 1000 });
    await storedEverywhere(http, sessionId, fileIds, recorders);
    await Promise.all(tabs.map((tab) => tab.close()));
  });
});
