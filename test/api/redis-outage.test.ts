import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { startTestApp } from '../support/test-app.js';
import { createTestClient, isTrpcError } from '../support/trpc-client.js';
import { freePort } from '../../src/server/redis/free-port.js';

it('keeps limiting from memory while Redis is unreachable (fault injected: Redis killed)', async () => {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const t = await startTestApp({ env: { REDIS_URL: `redis://127.0.0.1:${port}`, RATE_LIMIT_PER_MINUTE: '3' } });
  try {
    const { client } = createTestClient(t.url);
    await client.session.generate.mutate();
    redis.kill('SIGKILL');
    await new Promise((resolve) => redis.once('exit', resolve));

    // The budget now lives in each instance's memory: the same size, counted afresh.
    for (let i = 0; i < 3; i += 1) await client.session.generate.mutate();
    const refused = await client.session.generate.mutate().catch((error: unknown) => error);
    expect(isTrpcError(refused) && refused.data?.code).toBe('TOO_MANY_REQUESTS');
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ checks: { database: 'ok', redis: 'unavailable' } });
  } finally {
    redis.kill('SIGKILL');
    await t.close();
  }
});
