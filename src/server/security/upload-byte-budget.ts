import type { RedisClient } from '../redis/redis-client.js';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { BudgetRefusal, ClientUploadBudget } from '../services/files/client-upload-budget.js';
import { clientKey } from './client-key.js';

const DAY_SECONDS = 86_400;

/**
 * UPLOAD_BYTES_PER_CLIENT_PER_DAY: a rate limit whose points are bytes, counted in Redis so that
 * every instance shares it, with an in-memory limiter of the same size while Redis is away (as the
 * request budgets have). The day is a fixed window from the client's first upload.
 */
export class UploadByteBudget implements ClientUploadBudget {
  private readonly limiter: RateLimiterRedis;

  constructor(private readonly opts: { redis: RedisClient; keyPrefix: string; bytesPerDay: number }) {
    this.limiter = new RateLimiterRedis({
      storeClient: opts.redis,
      keyPrefix: opts.keyPrefix,
      points: opts.bytesPerDay,
      duration: DAY_SECONDS,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ points: opts.bytesPerDay, duration: DAY_SECONDS }),
    });
  }

  async take(client: string, bytes: number): Promise<{ taken: true } | ({ taken: false } & BudgetRefusal)> {
    const key = clientKey(client);
    try {
      await this.limiter.consume(key, bytes);
      return { taken: true };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      // A refused consume is counted all the same: undone, so that a smaller upload still fits.
      await this.limiter.reward(key, bytes);
      return {
        taken: false,
        budgetBytes: this.opts.bytesPerDay,
        remainingBytes: Math.max(0, this.opts.bytesPerDay - (rejection.consumedPoints - bytes)),
        retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
      };
    }
  }

  async giveBack(client: string, bytes: number): Promise<void> {
    if (bytes <= 0) return;
    const key = clientKey(client);
    // Only into a window still open: given back after its day ended, the bytes would start the next one in credit.
    if (await this.limiter.get(key)) await this.limiter.reward(key, bytes);
  }
}
