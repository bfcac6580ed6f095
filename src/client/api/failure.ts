import { TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../../server/api/root.js';
import { invalidReasonSchema } from '../../shared/session.js';

/** Why a session can no longer be used by this browser, in the words of `session.validate`. */
export type SessionEndReason = 'reset' | 'expired' | 'not_found' | 'forbidden';

/** What the client does about a failed call depends only on which of these it was. */
export type Failure =
  /** 429: wait as long as the server asks, then try again. */
  | { kind: 'rate_limited'; retryAfterSeconds: number; message: string }
  /** The session is over or not this browser's: trying again cannot help. */
  | { kind: 'session_denied'; reason: SessionEndReason; message: string }
  /** Any other 4xx: the request itself was wrong; trying again cannot help. */
  | { kind: 'refused'; status: number; message: string }
  /** No answer, or the server failed (5xx): worth trying again after a while. */
  | { kind: 'unavailable'; message: string };

export const UNREACHABLE_MESSAGE = 'Cannot reach the server. Check your connection; the app keeps trying.';
const DEFAULT_RETRY_AFTER_SECONDS = 5;

function sessionEndReasonOf(reason: string | undefined): SessionEndReason | undefined {
  // A missing credential means this browser no longer holds the session, as a foreign one would.
  if (reason === 'unauthenticated') return 'forbidden';
  const parsed = invalidReasonSchema.safeParse(reason);
  return parsed.success ? parsed.data : undefined;
}

/**
 * A failed call in a sentence a person understands: the server's own words when it answered,
 * never the browser's ("Failed to fetch", "NetworkError when attempting to fetch resource").
 */
export function describeFailure(error: unknown): string {
  return classifyFailure(error).message;
}

export function classifyFailure(error: unknown): Failure {
  if (!(error instanceof TRPCClientError)) {
    return { kind: 'unavailable', message: UNREACHABLE_MESSAGE };
  }
  const { data, message } = error as TRPCClientError<AppRouter>;
  const status = data?.httpStatus;
  if (status === undefined || status >= 500) return { kind: 'unavailable', message: status === undefined ? UNREACHABLE_MESSAGE : message };
  if (status === 429) return { kind: 'rate_limited', retryAfterSeconds: data?.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS, message };
  const reason = sessionEndReasonOf(data?.reason);
  if (reason) return { kind: 'session_denied', reason, message };
  return { kind: 'refused', status, message };
}
