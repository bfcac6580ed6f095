import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-client.js';

/**
 * A Lua script called by its SHA1 (EVALSHA), so each call sends the arguments, not the script,
 * and Redis need not hash it again; a node that has not seen it yet (a restart, a failover, a
 * cluster master) answers NOSCRIPT, and that one call goes by EVAL, which also caches it there.
 */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: RedisClient, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
