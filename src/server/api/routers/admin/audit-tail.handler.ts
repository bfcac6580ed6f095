import { tracked, type TrackedEnvelope } from '@trpc/server';
import type { AuditRowView, AuditTailQuery } from '../../../../shared/admin.js';
import type { ApiContext } from '../../context.js';

/**
 * Audit rows as they are written, tracked by row id: a client that reconnects with the last id it
 * saw gets the rows it missed, then the live ones. A new tail starts after the newest row.
 */
export async function* auditTailHandler({ ctx, input, signal }: { ctx: ApiContext; input: AuditTailQuery; signal: AbortSignal | undefined }): AsyncGenerator<TrackedEnvelope<AuditRowView>> {
  const browser = ctx.deps.admin.audit;
  // auditTailInputSchema has checked a resume id: digits within the safe integers.
  const afterId = input.lastEventId ? Number(input.lastEventId) : await browser.newestId();
  // tRPC hands every subscription a signal; a caller without one is followed until it stops iterating.
  const stop = signal ?? new AbortController().signal;
  for await (const row of browser.follow(afterId, stop)) yield tracked(String(row.id), row);
}
