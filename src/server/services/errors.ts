/** A request the rules refuse for what it asks, with a sentence saying what to change. */
export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError';
}

/** Something the caller named (a file, a message) that is not there for them. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}
