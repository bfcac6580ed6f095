import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { claimRedisDatabase, databaseUrl, type ClaimedDatabase } from '../support/redis-databases.js';

/**
 * How the tests take Redis databases: the test run's REDIS_URL may name a database holding
 * someone's data (`redis://127.0.0.1:6379/11`), and the run must neither use it nor leave keys
 * anywhere. Each case works in databases it claims itself, so other runs on this Redis are safe.
 */
describe('the Redis databases the tests claim', () => {
  const server = inject('redisServerUrl');
  const held: ClaimedDatabase[] = [];
  const clients: Redis[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.quit();
    for (const claim of held.splice(0)) await claim.release();
  });

  async function claim(url = server, candidates?: number[]): Promise<ClaimedDatabase> {
    const claimed = await claimRedisDatabase(url, { candidates });
    held.push(claimed);
    return claimed;
  }

  function open(url: string): Redis {
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    clients.push(client);
    return client;
  }

  it('never takes the database REDIS_URL names, whatever it holds, nor writes to it', async () => {
    // A database standing for the person's own, holding their data.
    const theirs = await claim();
    const named = open(theirs.url);
    await named.set('their-data', 'keep me');
    const keysBefore = (await named.keys('*')).sort();

    const ours = await claim(theirs.url);
    expect(ours.db).not.toBe(theirs.db);
    expect(ours.url).toBe(databaseUrl(theirs.url, ours.db));
    await open(ours.url).set('test-data', 'x');
    await ours.release();
    held.splice(held.indexOf(ours), 1);

    expect((await named.keys('*')).sort()).toEqual(keysBefore);
    expect(await named.get('their-data')).toBe('keep me');
  });

  it('gives two claims made at once two different databases', async () => {
    const [first, second] = await Promise.all([claimRedisDatabase(server), claimRedisDatabase(server)]);
    held.push(first, second);
    expect(first.db).not.toBe(second.db);
  });

  it('leaves the database empty when released, whatever was written to it', async () => {
    const claimed = await claim();
    const client = open(claimed.url);
    await client.set('tabsync-test:abc:rl:127.0.0.1', '3');
    await client.xadd('tabsync:bull:upload:events', '*', 'event', 'added');
    await claimed.release();
    held.splice(held.indexOf(claimed), 1);
    expect(await client.dbsize()).toBe(0);
  });

  it('empties and takes again a database whose claimant died, and leaves one whose claimant lives', async () => {
    const spare = await claim();
    // Made free again, to plant the leftovers of a run that was killed half-way.
    await spare.release();
    held.splice(held.indexOf(spare), 1);
    const deadPid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const leftovers = open(spare.url);
    await leftovers.set('tabsync-test:claimed-by', `${os.hostname()} ${deadPid} 0123456789ab`);
    await leftovers.set('tabsync:bull:upload:id', '7');

    const retaken = await claim(server, [spare.db]);
    expect(retaken.db).toBe(spare.db);
    expect(await leftovers.get('tabsync:bull:upload:id')).toBeNull();

    // A claim of a process that lives (this one's) is respected.
    await expect(claimRedisDatabase(server, { candidates: [spare.db] })).rejects.toThrow(/No numbered database .* is free/);
  });
});
