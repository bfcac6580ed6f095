import { describe, expect, it } from 'vitest';
import { createReadinessProbe } from '../../src/server/http/health.js';

/** A dependency check that counts its calls and answers as told; it answers when `release` is called. */
function dependency() {
  let calls = 0;
  let failing = false;
  let releases: (() => void)[] = [];
  return {
    check: () => {
      calls += 1;
      return new Promise<void>((resolve, reject) => {
        const fail = failing;
        releases.push(() => { if (fail) reject(new Error('down')); else resolve(); });
      });
    },
    release: () => {
      for (const release of releases) release();
      releases = [];
    },
    calls: () => calls,
    fail: () => { failing = true; },
  };
}

describe('the readiness probe behind /readyz', () => {
  it('asks each dependency once for callers that arrive while a check runs, and answers them all', async () => {
    const redis = dependency();
    const probe = createReadinessProbe({ redis: redis.check }, { now: () => 0 });
    const answers = Array.from({ length: 50 }, () => probe.current());
    redis.release();
    expect(await Promise.all(answers)).toEqual(Array.from({ length: 50 }, () => ({ ready: true, checks: { redis: 'ok' } })));
    expect(redis.calls()).toBe(1);
  });

  it('answers again from the last result for a second, then asks anew', async () => {
    let clock = 0;
    const redis = dependency();
    const probe = createReadinessProbe({ redis: redis.check }, { now: () => clock, reuseMs: 1000 });
    const first = probe.current();
    redis.release();
    await first;
    for (const at of [1, 500, 999]) {
      clock = at;
      expect(await probe.current()).toEqual({ ready: true, checks: { redis: 'ok' } });
    }
    expect(redis.calls()).toBe(1);

    clock = 1000;
    redis.fail();
    const next = probe.current();
    redis.release();
    expect(await next).toEqual({ ready: false, checks: { redis: 'unavailable' } });
    expect(redis.calls()).toBe(2);
  });

  it('counts a dependency that never answers as unavailable, and asks it again once the result is a second old', async () => {
    let clock = 0;
    let asked = 0;
    const stuck = () => {
      asked += 1;
      return new Promise<void>(() => undefined);
    };
    const probe = createReadinessProbe({ stuck, database: () => Promise.resolve() }, { now: () => clock, timeoutMs: 5 });
    expect(await probe.current()).toEqual({ ready: false, checks: { stuck: 'unavailable', database: 'ok' } });
    clock = 1000;
    expect(await probe.current()).toEqual({ ready: false, checks: { stuck: 'unavailable', database: 'ok' } });
    expect(asked).toBe(2);
  });
});
