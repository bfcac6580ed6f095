/** A warm-up run, then the measured run, of one autocannon load against one URL. */
import os from 'node:os';
import type { HttpLoad, HttpLoadResult } from '../load/autocannon.js';
import type { BenchChild } from './processes.js';
import { CONNECTIONS, LOAD_SECONDS } from './settings.js';
import { round } from './stats.js';

export async function measureHttp(
  load: BenchChild<unknown>,
  label: string,
  url: string,
  requests: HttpLoad['requests'],
  warmupSeconds: number,
  log: (line: string) => void,
): Promise<HttpLoadResult> {
  const base: Omit<HttpLoad, 'seconds'> = { url, method: 'POST', connections: CONNECTIONS, requests };
  await load.call<HttpLoadResult>('run', { ...base, seconds: warmupSeconds });
  const result = await load.call<HttpLoadResult>('run', { ...base, seconds: LOAD_SECONDS });
  log(`${label}: ${round(result.requestsPerSecond, 0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ${result.total} requests, ${result.errors} errors, ${result.non2xx} non-2xx (load ${os.loadavg()[0]?.toFixed(2)})`);
  // A fast error is not a fast answer: a run with failures measures nothing worth a ratio.
  if (result.errors + result.timeouts + result.non2xx > result.total / 100) throw new Error(`${label}: too many failed requests`);
  return result;
}
