import { z } from 'zod';

/**
 * The admin API: the operator's view of the audit log and the app's health. Only the admin token
 * (ADMIN_TOKEN) opens it; the schemas below are the contract of the admin page.
 */

export const auditOutcomeSchema = z.enum(['success', 'failure', 'refused']);

/** One audit row as the admin page shows it (never the chain's hashes: they prove, not inform). */
export const auditRowViewSchema = z.object({
  id: z.number().int().positive(),
  sessionId: z.string().nullable(),
  event: z.string(),
  outcome: auditOutcomeSchema,
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  createdAt: z.iso.datetime(),
});
export type AuditRowView = z.infer<typeof auditRowViewSchema>;

/** admin.audit.list: filters, newest first; `cursor` is the id of the last row of the previous page. */
export const auditListInputSchema = z.object({
  sessionId: z.uuid().optional(),
  event: z.string().regex(/^[a-z_]+\.[a-z_]+$/, 'an event name such as session.generated').optional(),
  outcome: auditOutcomeSchema.optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  cursor: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type AuditListQuery = z.output<typeof auditListInputSchema>;

export const auditPageSchema = z.object({
  rows: z.array(auditRowViewSchema),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: z.number().int().positive().nullable(),
});
export type AuditPage = z.infer<typeof auditPageSchema>;

/** An audit row's id as a tail's tracked event id: its digits (leading zeros allowed). */
function isAuditRowId(id: string): boolean {
  // Past the safe integers the id was never sent, and as a number it would reach the query as Infinity.
  return /^\d+$/.test(id) && Number.isSafeInteger(Number(id));
}

/**
 * admin.audit.tail: rows written after the subscription starts; `lastEventId` resumes after a drop.
 * tRPC merges a reconnecting client's last tracked id into this input as `lastEventId`, so a resume is checked here too.
 * The check is on the object, not the field, so that the message (which names the field) is not prefixed with it again.
 */
export const auditTailInputSchema = z
  .object({ lastEventId: z.string().nullish() })
  .refine((input) => input.lastEventId == null || isAuditRowId(input.lastEventId), {
    error: `The tail cannot resume there: lastEventId must be the id of an audit row this server sent, a whole number up to ${Number.MAX_SAFE_INTEGER}.`,
  })
  .default({});
export type AuditTailQuery = z.output<typeof auditTailInputSchema>;

export const queueStatusSchema = z.object({
  name: z.string(),
  waiting: z.number().int(),
  active: z.number().int(),
  delayed: z.number().int(),
  failed: z.number().int(),
  completed: z.number().int(),
});
export type QueueStatus = z.infer<typeof queueStatusSchema>;

export const failedJobSchema = z.object({
  queue: z.string(),
  id: z.string(),
  name: z.string(),
  reason: z.string(),
  failedAt: z.iso.datetime().nullable(),
  attempts: z.number().int(),
});
export type FailedJob = z.infer<typeof failedJobSchema>;

/** admin.overview: the numbers on the admin page. */
export const adminOverviewSchema = z.object({
  generatedAt: z.iso.datetime(),
  sessions: z.object({
    active: z.number().int(),
    startedLastHour: z.number().int(),
    startedLastDay: z.number().int(),
    endedLastHour: z.number().int(),
    endedLastDay: z.number().int(),
  }),
  /** Refusals (rate limits, origins, failed admin sign-ins) per minute over the last 30 minutes, oldest first. */
  refusalsPerMinute: z.array(z.object({ minute: z.iso.datetime(), count: z.number().int() })),
  queues: z.array(queueStatusSchema),
  failedJobs: z.array(failedJobSchema),
  /** Where the queue dashboard is served. */
  dashboardPath: z.string(),
});
export type AdminOverview = z.infer<typeof adminOverviewSchema>;

export { ADMIN_PATHS } from './paths.js';

/** The name of the tRPC connection parameter that carries the admin token over the WebSocket. */
export const ADMIN_TOKEN_PARAM = 'adminToken';
