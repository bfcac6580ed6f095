/**
 * Keeps `npm run bench` from rotting without putting timings in `npm test`: the harness runs one
 * cheap figure as a smoke run (BENCH_QUICK=1), and the test checks only that it finished and that
 * results.json has the agreed shape. No number is compared with a goal here.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(os.tmpdir(), 'tabsync-bench-smoke-'));
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe('npm run bench', () => {
  it('runs a figure in smoke mode and writes results.json as { key: { ours, floor, ratio, unit } }', async () => {
    const file = path.join(dir, 'results.json');
    await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'fanout'], {
      env: { ...process.env, BENCH_QUICK: '1', BENCH_RESULTS: file, REDIS_URL: inject('redisUrl') },
      timeout: 150_000,
    });
    const results = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(results)).toEqual(['fanout.p99_ratio']);
    for (const measure of Object.values(results)) {
      expect(Object.keys(measure as object).sort()).toEqual(['floor', 'ours', 'ratio', 'unit']);
      const { ours, floor, ratio, unit } = measure as Record<string, unknown>;
      for (const number of [ours, floor, ratio]) {
        expect(typeof number).toBe('number');
        expect(Number.isFinite(number)).toBe(true);
      }
      expect(typeof unit).toBe('string');
      expect(ours).toBeGreaterThan(0);
      expect(floor).toBeGreaterThan(0);
    }
  }, 180_000);
});
