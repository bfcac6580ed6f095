/** A promise's outcome held as a value. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * `promise` settled into a value, never rejecting: a promise started ahead of time and perhaps never
 * read (the listing's page filled before it) then leaves no unhandled rejection behind.
 */
export function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
}

/** The value `settle` kept, or the error it kept, thrown now that someone reads it. */
export function unwrap<T>(settled: Settled<T>): T {
  if (!settled.ok) throw settled.error;
  return settled.value;
}
