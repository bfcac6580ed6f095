import { reconnectDelayMs } from './backoff.js';
import { classifyFailure, type Failure } from './failure.js';

/** How many times a transient failure (no answer, 5xx, 429) is tried again before it is shown. */
export const MAX_RETRIES = 5;

/** How long to wait before trying again, or null when trying again cannot help. */
export function retryDelayMs(failure: Failure, attempt: number): number | null {
  if (failure.kind === 'rate_limited') return Math.max(1, failure.retryAfterSeconds) * 1000;
  if (failure.kind === 'unavailable') return reconnectDelayMs(attempt);
  return null;
}

export interface RetryOptions {
  /** Told before each wait of a 429, so the person hears why nothing happens. */
  onRateLimited?: (retryAfterSeconds: number) => void;
  /** Told before each wait after an outage (no answer, 5xx). */
  onOutage?: () => void;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Whether an outage (no answer, 5xx) is tried again; true by default. A write that must not
   * happen twice says false: after a lost answer it may have happened already.
   */
  retryOutages?: boolean;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(signal.reason as Error); return; }
    const timer = setTimeout(() => { signal?.removeEventListener('abort', abort); resolve(); }, ms);
    function abort() { clearTimeout(timer); reject(signal?.reason as Error); }
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/** Calls `operation` until it succeeds, waiting out 429s and backing off from outages. */
export async function withRetries<T>(operation: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const wait = options.sleep ?? sleep;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      const failure = classifyFailure(error);
      const retryable = failure.kind === 'rate_limited' || (failure.kind === 'unavailable' && options.retryOutages !== false);
      const delay = attempt < MAX_RETRIES && retryable ? retryDelayMs(failure, attempt) : null;
      if (delay === null) throw error;
      if (failure.kind === 'rate_limited') options.onRateLimited?.(failure.retryAfterSeconds);
      else options.onOutage?.();
      await wait(delay, options.signal);
    }
  }
}
