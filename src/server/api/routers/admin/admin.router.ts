import { adminOverviewSchema, auditListInputSchema, auditPageSchema, auditTailInputSchema } from '../../../../shared/admin.js';
import { adminProcedure, router } from '../../trpc.js';
import { auditTailHandler } from './audit-tail.handler.js';

/** The operator's procedures; every one needs the admin token (adminProcedure). */
export const adminRouter = router({
  audit: router({
    list: adminProcedure
      .input(auditListInputSchema)
      .output(auditPageSchema)
      .query(({ ctx, input }) => ctx.deps.admin.audit.list(input)),
    tail: adminProcedure.input(auditTailInputSchema).subscription(auditTailHandler),
  }),
  overview: adminProcedure.output(adminOverviewSchema).query(({ ctx }) => ctx.deps.admin.overview.overview()),
});
