import type { Queue } from 'bullmq';
import type { AdminDeps } from './api/context.js';
import type { Database } from './db/database.js';
import { createAdminRoutes } from './http/admin-routes.js';
import type { Route } from './http/host.js';
import type { AppMetrics } from './metrics/app-metrics.js';
import { createMetricsRoute } from './metrics/metrics-route.js';
import { createAdminGate, type AdminGateSetup } from './security/create-admin-gate.js';
import type { Clock } from './services/actor.js';
import { AdminOverviewService } from './services/admin/admin-overview.service.js';
import { AuditBrowser } from './services/admin/audit-browser.js';

/** The admin gate's set-up (token, Redis, the process's refusal gate) and what the admin pages read. */
export interface AdminSurfaceOptions extends AdminGateSetup {
  db: Database;
  clock: Clock;
  /** The queues the dashboard and the overview show. */
  queues: readonly Queue[];
}

/** The operator's side of the web server: the admin procedures and the admin routes, behind one gate. */
export interface AdminSurface {
  /** What the admin procedures are given (ApiDeps.admin). */
  api: AdminDeps;
  /** The admin's HTTP routes: `/metrics` and the queue dashboard, each behind the token. */
  routes(metrics: AppMetrics): Route[];
}

/** Built once by the web server's composition root (app.ts). */
export function createAdminSurface(opts: AdminSurfaceOptions): AdminSurface {
  const gate = createAdminGate(opts);
  return {
    api: {
      gate,
      audit: new AuditBrowser({ db: opts.db }),
      overview: new AdminOverviewService({ db: opts.db, queues: opts.queues, clock: opts.clock }),
    },
    routes: (metrics) => createAdminRoutes({ gate, scrape: createMetricsRoute(metrics), queues: opts.queues }),
  };
}
