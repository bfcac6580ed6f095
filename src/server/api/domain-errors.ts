import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/unstable-core-do-not-import';
import { InvalidRequestError, NotFoundError } from '../services/errors.js';
import { QueueUnavailableError } from '../queues/queue-unavailable.error.js';
import { SubscriberOverflowError } from '../realtime/event-queue.js';
import { RateLimitedError } from '../security/rate-limited.error.js';
import { ClientUploadBudgetError, FileTooLargeError, UploadInterruptedError } from '../services/files/files.errors.js';
import { SessionAccessError, type SessionDenial } from '../services/session/session.errors.js';

const DENIAL_CODES: Record<SessionDenial, TRPC_ERROR_CODE_KEY> = {
  unauthenticated: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  reset: 'NOT_FOUND',
  expired: 'NOT_FOUND',
};

/** The API's code for a service's (or a spent budget's) typed refusal; anything else is left as it is (a 500). */
export function toApiError(error: unknown): unknown {
  if (error instanceof SessionAccessError) return new TRPCError({ code: DENIAL_CODES[error.reason], message: error.message, cause: error });
  if (error instanceof InvalidRequestError) return new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error });
  if (error instanceof NotFoundError) return new TRPCError({ code: 'NOT_FOUND', message: error.message, cause: error });
  if (error instanceof FileTooLargeError) return new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: error.message, cause: error });
  if (error instanceof ClientUploadBudgetError) return new TRPCError({ code: 'TOO_MANY_REQUESTS', message: error.message, cause: error });
  if (error instanceof RateLimitedError) return new TRPCError({ code: 'TOO_MANY_REQUESTS', message: error.message, cause: error });
  if (error instanceof UploadInterruptedError) return new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error });
  if (error instanceof QueueUnavailableError) return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: error.message, cause: error });
  // A subscription that fell too far behind, ended so that its client resumes from its last event id: retryable, not a fault.
  if (error instanceof SubscriberOverflowError) return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: error.message, cause: error });
  return error;
}
