import type { ServerResponse } from 'node:http';
import { sendJson } from './json-response.js';
import type { Route } from './routing.js';

export type ReadinessCheck = () => Promise<void>;

export interface Readiness {
  ready: boolean;
  checks: Record<string, 'ok' | 'unavailable'>;
}

export interface ReadinessProbe {
  /** The dependencies' state: a recent result, the check in flight, or a new check. */
  current(): Promise<Readiness>;
}

export interface ReadinessProbeOptions {
  /** A dependency that has not answered by then is unavailable. */
  timeoutMs?: number;
  /** How long a result is answered again before the dependencies are asked anew. */
  reuseMs?: number;
  /** Milliseconds on a clock that only moves forward. */
  now?: () => number;
}

function sendHealth(res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}

/** Asks every dependency at once; never rejects. */
async function checkAll(checks: Record<string, ReadinessCheck>, timeoutMs: number): Promise<Readiness> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([check(), new Promise((_, reject) => { timer = setTimeout(() => { reject(new Error('timeout')); }, timeoutMs); })]);
        return [name, 'ok'] as const;
      } catch {
        return [name, 'unavailable'] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: entries.every(([, state]) => state === 'ok'), checks: Object.fromEntries(entries) };
}

/**
 * /readyz's checks, throttled: each asks the database, Redis and the object store (a HeadBucket on
 * S3), and anyone can call /readyz as often as they like. A result is answered again for
 * `reuseMs` (a second), and callers arriving while a check runs share it, so the dependencies are
 * asked at most about once a second, and a failure shows within about a second.
 */
export function createReadinessProbe(checks: Record<string, ReadinessCheck>, options: ReadinessProbeOptions = {}): ReadinessProbe {
  const { timeoutMs = 2000, reuseMs = 1000, now = () => performance.now() } = options;
  let last: { at: number; result: Readiness } | undefined;
  let inFlight: Promise<Readiness> | undefined;
  return {
    current() {
      if (last && now() - last.at < reuseMs) return Promise.resolve(last.result);
      inFlight ??= checkAll(checks, timeoutMs)
        .then((result) => {
          last = { at: now(), result };
          return result;
        })
        .finally(() => { inFlight = undefined; });
      return inFlight;
    },
  };
}

/** 200 when every dependency answered within the timeout, 503 naming the ones that did not. */
async function sendReadiness(res: ServerResponse, probe: ReadinessProbe): Promise<void> {
  const { ready, checks } = await probe.current();
  sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', checks });
}

/**
 * /healthz (the process answers) and /readyz (its dependencies do), served alike by the web server
 * and the workers' host.
 */
export function healthRoutes(checks: Record<string, ReadinessCheck>): Route[] {
  const readiness = createReadinessProbe(checks);
  return [
    { method: 'GET', path: '/healthz', handle: (_req, res) => { sendHealth(res); } },
    { method: 'GET', path: '/readyz', handle: (_req, res) => sendReadiness(res, readiness) },
  ];
}
