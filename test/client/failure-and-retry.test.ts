import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { classifyFailure, describeFailure, UNREACHABLE_MESSAGE } from '../../src/client/api/failure.js';
import { MAX_RETRIES, withRetries } from '../../src/client/api/retry.js';
import type { ApiErrorData } from '../../src/shared/errors.js';

/** An error as the typed client raises it from the server's answer. */
function answered(message: string, data: ApiErrorData): TRPCClientError<never> {
  return TRPCClientError.from({ error: { code: -32600, message, data } });
}

const tooMany = answered('Too many requests.', { code: 'TOO_MANY_REQUESTS', httpStatus: 429, retryAfterSeconds: 7 });
const badRequest = answered('Invalid input.', { code: 'BAD_REQUEST', httpStatus: 400 });

describe('classifyFailure', () => {
  it('reads a 429 with the wait the server asked for', () => {
    expect(classifyFailure(tooMany)).toEqual({ kind: 'rate_limited', retryAfterSeconds: 7, message: 'Too many requests.' });
  });

  it('reads a refused session with its reason; a missing credential counts as not this browser’s', () => {
    expect(classifyFailure(answered('Expired.', { code: 'FORBIDDEN', httpStatus: 403, reason: 'expired' }))).toMatchObject({ kind: 'session_denied', reason: 'expired' });
    expect(classifyFailure(answered('No credential.', { code: 'UNAUTHORIZED', httpStatus: 401, reason: 'unauthenticated' }))).toMatchObject({ kind: 'session_denied', reason: 'forbidden' });
  });

  it('reads any other 4xx as refused, a 5xx and no answer at all as unavailable', () => {
    expect(classifyFailure(badRequest)).toEqual({ kind: 'refused', status: 400, message: 'Invalid input.' });
    expect(classifyFailure(answered('Oops.', { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 }))).toEqual({ kind: 'unavailable', message: 'Oops.' });
    expect(classifyFailure(new TypeError('Failed to fetch'))).toEqual({ kind: 'unavailable', message: UNREACHABLE_MESSAGE });
  });
});

describe('describeFailure', () => {
  it('says what the server said, and a sentence instead of the browser’s words when there was no answer', () => {
    expect(describeFailure(badRequest)).toBe('Invalid input.');
    // What the typed client raises when fetch itself fails: its message is the browser's.
    const noAnswer = TRPCClientError.from(new TypeError('Failed to fetch'));
    expect(noAnswer.message).toBe('Failed to fetch');
    expect(describeFailure(noAnswer)).toBe(UNREACHABLE_MESSAGE);
    expect(describeFailure(new TypeError('NetworkError when attempting to fetch resource.'))).toBe(UNREACHABLE_MESSAGE);
  });
});

describe('withRetries', () => {
  /** Records each wait instead of sleeping it: the delays are what is checked, not the clock. */
  function recordingSleep() {
    const waits: number[] = [];
    return { waits, sleep: (ms: number) => { waits.push(ms); return Promise.resolve(); } };
  }

  function failingThen<T>(failures: Error[], value: T) {
    let calls = 0;
    return { calls: () => calls, run: () => { calls += 1; const failure = failures.shift(); return failure === undefined ? Promise.resolve(value) : Promise.reject(failure); } };
  }

  it('waits as long as a 429 asks, tells of the wait, and tries again', async () => {
    const { waits, sleep } = recordingSleep();
    const told: number[] = [];
    const op = failingThen([tooMany], 'done');
    await expect(withRetries(op.run, { sleep, onRateLimited: (s) => told.push(s) })).resolves.toBe('done');
    expect(waits).toEqual([7000]);
    expect(told).toEqual([7]);
    expect(op.calls()).toBe(2);
  });

  it('backs off from network failures with growing waits', async () => {
    const { waits, sleep } = recordingSleep();
    const op = failingThen([new TypeError('offline'), new TypeError('offline'), new TypeError('offline')], 'done');
    await expect(withRetries(op.run, { sleep })).resolves.toBe('done');
    expect(waits).toHaveLength(3);
    expect(waits[2]).toBeGreaterThan(waits[0] ?? Infinity);
  });

  it('does not try a write that must not happen twice again after an outage, only after a 429', async () => {
    const { waits, sleep } = recordingSleep();
    const lost = new TypeError('Failed to fetch');
    await expect(withRetries(failingThen([lost], 'never').run, { sleep, retryOutages: false })).rejects.toBe(lost);
    await expect(withRetries(failingThen([tooMany], 'done').run, { sleep, retryOutages: false })).resolves.toBe('done');
    expect(waits).toEqual([7000]);
  });

  it('does not try a refused request again', async () => {
    const { waits, sleep } = recordingSleep();
    const op = failingThen([badRequest], 'never');
    await expect(withRetries(op.run, { sleep })).rejects.toBe(badRequest);
    expect(op.calls()).toBe(1);
    expect(waits).toEqual([]);
  });

  it('gives up after a bounded number of tries, with the last error', async () => {
    const { sleep } = recordingSleep();
    const op = failingThen(Array.from({ length: MAX_RETRIES + 5 }, () => new TypeError('offline')), 'never');
    await expect(withRetries(op.run, { sleep })).rejects.toThrow('offline');
    expect(op.calls()).toBe(MAX_RETRIES + 1);
  });
});
