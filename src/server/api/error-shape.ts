import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { TRPCError } from '@trpc/server';
import type { ApiErrorData, InputIssue } from '../../shared/errors.js';
import { TRPC_MAX_BODY_BYTES } from '../../shared/limits.js';
import { RateLimitedError } from '../security/rate-limited.error.js';
import { ClientUploadBudgetError } from '../services/files/files.errors.js';
import { SessionAccessError } from '../services/session/session.errors.js';

export const INTERNAL_MESSAGE = 'Something went wrong on our side. Please try again in a moment.';
export const NOT_JSON_MESSAGE = 'The request input is not valid JSON. Send an object such as {"sessionId": "…"}.';
export const TRPC_BODY_TOO_LARGE_MESSAGE = `The request body must be at most ${TRPC_MAX_BODY_BYTES / 1024} KiB.`;

interface IssueLike {
  path?: readonly (PropertyKey | { key: PropertyKey })[];
  message: string;
}

function inputIssues(cause: unknown): InputIssue[] | undefined {
  if (typeof cause !== 'object' || cause === null || !('issues' in cause) || !Array.isArray(cause.issues)) return undefined;
  return (cause.issues as IssueLike[]).map((issue) => ({
    path: (issue.path ?? []).map((part) => String(typeof part === 'object' ? part.key : part)).join('.'),
    message: issue.message,
  }));
}

/**
 * One issue as a phrase: the field, then what is wrong with it, unless the schema's own message
 * already names the field ("sessionId is required.") or already says "Invalid input".
 */
function describeIssue(issue: InputIssue): string {
  const message = issue.message.replace(/^Invalid input:\s*/i, '');
  if (!issue.path) return message;
  const field = issue.path.split('.').at(-1) ?? issue.path;
  return message.startsWith(`${field} `) ? message : `${issue.path} ${message}`;
}

/**
 * The one description of an error that clients see, on tRPC and on the REST aliases alike. It
 * keeps what a person can act on and drops what could leak: stacks, SQL and driver text never leave.
 */
export function describeError(error: TRPCError, requestId: string | undefined): { message: string; data: ApiErrorData } {
  const data: ApiErrorData = { code: error.code, httpStatus: getHTTPStatusCodeFromError(error), requestId };
  let message = error.message;
  const issues = error.code === 'BAD_REQUEST' ? inputIssues(error.cause) : undefined;
  if (issues) {
    data.issues = issues;
    message = `Invalid input: ${issues.map(describeIssue).join('; ')}`;
  }
  // tRPC hands on JSON.parse's own words ("Unexpected end of JSON input"): say what to send instead.
  if (error.code === 'BAD_REQUEST' && error.cause instanceof SyntaxError) message = NOT_JSON_MESSAGE;
  // tRPC's own body counter says only its code: say what the limit is.
  if (error.code === 'PAYLOAD_TOO_LARGE' && error.message === error.code) message = TRPC_BODY_TOO_LARGE_MESSAGE;
  if (error.cause instanceof SessionAccessError) data.reason = error.cause.reason;
  if (error.cause instanceof RateLimitedError || error.cause instanceof ClientUploadBudgetError) data.retryAfterSeconds = error.cause.retryAfterSeconds;
  // A queue that is down for a moment is not a fault to hide: its message says to try again.
  // A 503 is a refusal we chose and worded (try again shortly); any other 5xx may carry internals.
  if (data.httpStatus >= 500 && error.code !== 'SERVICE_UNAVAILABLE') message = INTERNAL_MESSAGE;
  return { message, data };
}
