import { adminOverviewSchema, auditListInputSchema, auditPageSchema, auditTailInputSchema } from '../../../../shared/admin.js';
import { adminProcedure, router } from '../../trpc.js';
import { auditListHandler } from './audit-list.handler.js';
import { auditTailHandler } from './audit-tail.handler.js';
import { overviewHandler } from './overview.handler.js';

/** The operator's procedures; every one needs the admin token (adminProcedure). */
export const adminRouter = router({
  audit: router({
    list: adminProcedure.input(auditListInputSchema).output(auditPageSchema).query(auditListHandler),
    tail: adminProcedure.input(auditTailInputSchema).subscription(auditTailHandler),
  }),
  overview: adminProcedure.output(adminOverviewSchema).query(overviewHandler),
});
