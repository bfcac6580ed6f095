/** A spent budget: the client may try again in `retryAfterSeconds` (the 429's Retry-After). */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(readonly retryAfterSeconds: number) {
    super(
      `Too many requests from your network. Please wait ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'} and try again.`,
    );
  }
}

/** A session's own quota ran out: the wait is the session's, whichever network it sends from. */
export class SessionQuotaError extends RateLimitedError {
  override name = 'SessionQuotaError';
  constructor(action: string, retryAfterSeconds: number, limit: number) {
    super(retryAfterSeconds);
    this.message =
      `This session is ${action} too fast (at most ${limit} a minute, from all its tabs together). ` +
      `Please wait ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'} and try again.`;
  }
}
