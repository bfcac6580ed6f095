import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LuaScript } from '../../src/server/redis/lua-script.js';

describe('LuaScript', () => {
  let redis: Redis;
  beforeAll(() => { redis = new Redis(inject('redisServerUrl')); });
  afterAll(async () => { await redis.quit(); });

  /** A script no Redis has seen: the nonce makes its SHA1 new. */
  const fresh = (body: string) => {
    const source = `-- ${randomBytes(8).toString('hex')}\n${body}`;
    return { script: new LuaScript(source), sha: createSha(source) };
  };

  it('runs a script Redis has not cached yet (NOSCRIPT → EVAL), and by its SHA1 from then on', async () => {
    const { script, sha } = fresh(`return KEYS[1] .. ':' .. ARGV[1]`);
    expect(await redis.script('EXISTS', sha)).toEqual([0]);
    expect(await script.run(redis, ['k'], ['one'])).toBe('k:one');
    expect(await redis.script('EXISTS', sha)).toEqual([1]);
    expect(await script.run(redis, ['k'], [2])).toBe('k:2');
  });

  it('passes on an error of the script itself', async () => {
    const { script } = fresh(`return redis.error_reply('BROKEN on purpose')`);
    await expect(script.run(redis, [], [])).rejects.toThrow('BROKEN on purpose');
  });
});

function createSha(source: string): string {
  return createHash('sha1').update(source).digest('hex');
}
