import type { AdminOverview } from '../../../../shared/admin.js';
import type { ApiContext } from '../../context.js';

export function overviewHandler({ ctx }: { ctx: ApiContext }): Promise<AdminOverview> {
  return ctx.deps.admin.overview.overview();
}
