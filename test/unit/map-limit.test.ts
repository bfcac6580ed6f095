import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../src/server/async/map-limit.js';

/** Resolves after `ms`, counting how many calls run at once. */
function tracked(): { work: (ms: number) => Promise<number>; maxRunning: () => number } {
  let running = 0;
  let most = 0;
  return {
    work: async (ms) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running -= 1;
      return ms;
    },
    maxRunning: () => most,
  };
}

describe('mapLimit', () => {
  it("gives the results in the items' order, whatever order they finish in", async () => {
    const delays = [30, 5, 20, 1, 10, 0];
    const { work } = tracked();
    expect(await mapLimit(delays, 3, work)).toEqual(delays);
  });

  it('runs at most `limit` at a time, and as many as that while enough items wait', async () => {
    const { work, maxRunning } = tracked();
    await mapLimit(Array.from({ length: 12 }, () => 5), 4, work);
    expect(maxRunning()).toBe(4);
  });

  it('runs every item once when the limit exceeds their number', async () => {
    const seen: number[] = [];
    const results = await mapLimit([1, 2, 3], 10, (item) => {
      seen.push(item);
      return Promise.resolve(item * 2);
    });
    expect(results).toEqual([2, 4, 6]);
    expect(seen.sort()).toEqual([1, 2, 3]);
  });

  it('calls nothing for no items', async () => {
    let calls = 0;
    expect(await mapLimit([], 4, () => Promise.resolve(calls++))).toEqual([]);
    expect(calls).toBe(0);
  });

  it('rejects with the first error an item throws', async () => {
    const failure = new Error('disk full');
    await expect(mapLimit([1, 2, 3], 2, (item) => (item === 2 ? Promise.reject(failure) : Promise.resolve(item)))).rejects.toBe(failure);
  });
});
