import type { AuditListQuery, AuditPage } from '../../../../shared/admin.js';
import type { ApiContext } from '../../context.js';

export function auditListHandler({ ctx, input }: { ctx: ApiContext; input: AuditListQuery }): Promise<AuditPage> {
  return ctx.deps.admin.audit.list(input);
}
