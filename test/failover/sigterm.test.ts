import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newBrowser } from '../support/browsers.js';
import { PNG, uploadedFileId, uploadRaw } from '../support/file-uploads.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { after } from '../support/subscription.js';
import { eventually } from '../support/eventually.js';
import { chatMessages, chatSender, expectExactly, firstRunning, SERVER_PREFIX, storedEverywhere, useScenario, withUploadQueue } from './support/failover-scenario.js';
import { openRecordingTabs } from './support/failover-tab.js';

/** Every move of an upload takes this long in the first worker (injected), so jobs are in its hands at the signal. */
const SLOW_MOVE_MS = 2500;

/** The exit code, or 'too slow' past the 10 s an orchestrator waits before it kills. */
function exitWithin10s(exited: Promise<number | null>): Promise<number | null | 'too slow'> {
  return Promise.race([exited, after(10_000, 'too slow' as const)]);
}

describe.each(DATABASE_KINDS)('SIGTERM to a server and a worker during open subscriptions and running jobs, on %s', (kind) => {
  const scenario = useScenario(kind);
  let leaving: ServerProcess;
  let staying: ServerProcess;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    leaving = await startServerProcess(scenario.env);
    // The second starts once the first has migrated the shared database.
    staying = await startServerProcess(scenario.env);
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
    await Promise.all([leaving.stop('SIGKILL'), staying.stop()]);
  });

  it('tells the tabs to reconnect, exits 0 within 10 s, and loses no job and no event', { timeout: 120_000 }, async () => {
    const http = await newBrowser(staying.url);
    const { sessionId, cookie } = http;
    const chat = chatSender(http, sessionId);
    const { tabs, recorders } = await openRecordingTabs(2, firstRunning(leaving, staying), cookie, sessionId);
    for (let i = 0; i < 3; i += 1) await chat.send(`before ${i}`);
    await eventually(() => recorders.every((recorder) => chatMessages(recorder.events).length === 3), 20_000, 'the first messages arriving');

    const first = await startWorkerProcess(scenario.env, { redisPrefix: SERVER_PREFIX, lockDuration: 5000, stalledInterval: 1000, slowMoveMs: SLOW_MOVE_MS });
    workers.push(first);
    const fileIds: string[] = [];
    for (let i = 0; i < 3; i += 1) fileIds.push(await uploadedFileId(await uploadRaw(staying.url, PNG, { sessionId, name: `f${i}.png`, cookie })));
    await withUploadQueue(scenario.redis.url, (uploads) => eventually(async () => (await uploads.getActiveCount()) > 0, 20_000, 'a job running in the first worker'));

    const [serverExit, workerExit] = await Promise.all([exitWithin10s(leaving.stop('SIGTERM')), exitWithin10s(first.kill('SIGTERM'))]);
    expect(serverExit).toBe(0);
    expect(workerExit).toBe(0);
    for (const tab of tabs) expect(tab.reconnectNotices()).toBeGreaterThanOrEqual(1);

    // Whatever the first worker handed back, another finishes.
    workers.push(await startWorkerProcess(scenario.env, { redisPrefix: SERVER_PREFIX, lockDuration: 5000, stalledInterval: 1000 }));
    for (let i = 0; i < 3; i += 1) await chat.send(`after ${i}`);
    await eventually(() => recorders.every((recorder) => chatMessages(recorder.events).length >= chat.sent.length), 30_000, 'every message reaching the tabs on the other instance');
    await after(300, null);
    for (const recorder of recorders) expectExactly(recorder.events, chat.sent);

    await storedEverywhere(http, sessionId, fileIds, recorders);
    await Promise.all(tabs.map((tab) => tab.close()));
  });
});
