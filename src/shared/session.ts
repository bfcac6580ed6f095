import { z } from 'zod';
import { INVALID_REASONS } from './session-reasons.js';

/** A session id is a UUID. It names a session; it never proves ownership of one. */
export const sessionIdSchema = z
  .string({ error: 'sessionId is required.' })
  .trim()
  .toLowerCase()
  .pipe(z.uuid({ error: 'must be a session id (a UUID such as 0b5c6f8e-4d1a-4c3e-9f2b-7a8d9e0f1a2b)' }));
export type SessionId = z.infer<typeof sessionIdSchema>;

export const sessionStatusSchema = z.enum(['active', 'reset', 'expired']);
export type SessionStatus = z.infer<typeof sessionStatusSchema>;

export const isoTimeSchema = z.iso.datetime();

export const sessionViewSchema = z.object({
  sessionId: z.uuid(),
  status: sessionStatusSchema,
  createdAt: isoTimeSchema,
  lastSeenAt: isoTimeSchema,
  expiresAt: isoTimeSchema,
  version: z.number().int().nonnegative(),
});
export type SessionView = z.infer<typeof sessionViewSchema>;

/** Input of every procedure that acts on one session. */
export const sessionInputSchema = z.object({ sessionId: sessionIdSchema });
export type SessionInput = z.infer<typeof sessionInputSchema>;

export const invalidReasonSchema = z.enum(INVALID_REASONS);
export type InvalidReason = z.infer<typeof invalidReasonSchema>;

export const validateResultSchema = z.discriminatedUnion('valid', [
  z.object({ valid: z.literal(true), session: sessionViewSchema }),
  z.object({ valid: z.literal(false), reason: invalidReasonSchema }),
]);
export type ValidateResult = z.infer<typeof validateResultSchema>;
