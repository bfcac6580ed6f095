/**
 * Why a session id cannot be used (`session.validate`'s `reason`). Plain values, apart from the
 * schemas, so that what the web app's first script needs of them does not bring a schema library.
 */
export const INVALID_REASONS = ['not_found', 'expired', 'reset', 'forbidden'] as const;
export type InvalidReason = (typeof INVALID_REASONS)[number];

export function isInvalidReason(value: unknown): value is InvalidReason {
  return (INVALID_REASONS as readonly unknown[]).includes(value);
}
