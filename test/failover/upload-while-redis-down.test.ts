import { afterAll, beforeAll, expect, it } from 'vitest';
import { restErrorBodySchema } from '../../src/shared/errors.js';
import { newBrowser } from '../support/browsers.js';
import { eventually } from '../support/eventually.js';
import { PNG, uploadRaw } from '../support/file-uploads.js';
import { startFilesApp, type FilesApp } from '../support/files-app.js';
import { startRedisProcess, type RedisProcess } from '../support/redis-process.js';

let redis: RedisProcess;
let h: FilesApp;

beforeAll(async () => {
  redis = await startRedisProcess();
  h = await startFilesApp({ database: 'sqlite', store: 'local', workers: false, env: { REDIS_URL: redis.url } });
});
afterAll(async () => {
  await redis.start().catch(() => undefined); // the app closes its connections more quickly with Redis there
  await h.close();
  await redis.dispose();
});

it('answers an upload with 503 and a message to try again while Redis is stopped (fault injected: Redis stopped), and takes uploads again once it is back', { timeout: 60_000 }, async () => {
  const browser = await newBrowser(h.url);
  await redis.stop();

  const began = Date.now();
  const refused = await uploadRaw(h.url, PNG, { sessionId: browser.sessionId, name: 'while-down.png', cookie: browser.cookie });
  // Not a wait: the queues' connection has no offline queue, so it refuses at once (well under a
  // second here). With one, ioredis holds the command through ~20 reconnection attempts (over 10 s).
  expect(Date.now() - began).toBeLessThan(5_000);
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('5');
  const body = restErrorBodySchema.parse(await refused.json());
  expect(body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', httpStatus: 503 });
  expect(body.error.message).toMatch(/^Uploads are paused for a moment.*try again/);

  // The bytes that arrived are not kept as a file that will never be processed.
  const rows = await h.t.app.db.models.SessionFile.findAll({ where: { sessionId: browser.sessionId } });
  expect(rows.map((row) => row.status)).toEqual(['failed']);

  await redis.start();
  await eventually(async () => {
    const response = await uploadRaw(h.url, PNG, { sessionId: browser.sessionId, name: 'after.png', cookie: browser.cookie });
    return response.status === 201;
  }, 20_000, 'an upload accepted once Redis is back');
});
