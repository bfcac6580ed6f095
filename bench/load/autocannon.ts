/**
 * HTTP load from a process of its own: autocannon, driven over IPC. Each connection can carry its
 * own headers and body (its own session and cookie), so the server sees many clients rather
 * than one row hammered by all.
 */
import autocannon from 'autocannon';
import { serveParent } from '../lib/child.js';
import type { LoadResult } from '../lib/figure.js';

export interface HttpLoad {
  url: string;
  method: 'GET' | 'POST';
  connections: number;
  seconds: number;
  /** Connection i sends requests[i % length]. */
  requests: { headers: Record<string, string>; body?: string }[];
}

export interface HttpLoadResult extends LoadResult {
  timeouts: number;
  non2xx: number;
}

async function run(payload: unknown): Promise<HttpLoadResult> {
  const load = payload as HttpLoad;
  let next = 0;
  const result = await autocannon({
    url: load.url,
    method: load.method,
    connections: load.connections,
    duration: load.seconds,
    // Each connection waits for its answer before the next request: a closed loop, like browsers.
    pipelining: 1,
    setupClient: (client) => {
      const request = load.requests[next++ % load.requests.length];
      if (request) client.setHeadersAndBody(request.headers, request.body);
    },
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
}

serveParent({}, { run }, () => Promise.resolve());
