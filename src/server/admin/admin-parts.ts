import type { Queue } from 'bullmq';
import { ADMIN_PATHS } from '../../shared/admin.js';
import type { Database } from '../db/database.js';
import type { Route } from '../http/host.js';
import type { AppMetrics } from '../metrics/app-metrics.js';
import { createMetricsRoute } from '../metrics/metrics-route.js';
import type { Clock } from '../services/actor.js';
import type { AdminGate } from './admin-gate.js';
import { AdminOverviewService } from './admin-overview.js';
import { adminOnly } from './admin-route.js';
import { AuditBrowser } from './audit-browser.js';
import { createAdminGate, type AdminGateSetup } from './create-admin-gate.js';
import { createQueueDashboard } from './queue-dashboard.js';

/** What the admin procedures are given (ApiDeps.admin). */
export interface AdminApi {
  gate: AdminGate;
  audit: AuditBrowser;
  overview: AdminOverviewService;
}

/** The admin gate's set-up (token, Redis, the process's refusal gate) and what the admin pages read. */
export interface AdminPartsOptions extends AdminGateSetup {
  db: Database;
  clock: Clock;
  /** The queues the dashboard and the overview show. */
  queues: readonly Queue[];
}

export interface AdminParts {
  api: AdminApi;
  /** The admin's HTTP routes: `/metrics` and the queue dashboard, each behind the token. */
  routes(metrics: AppMetrics): Route[];
}

/** The operator's side of the web server, built once by the composition root. */
export function createAdminParts(opts: AdminPartsOptions): AdminParts {
  const gate = createAdminGate(opts);
  const api: AdminApi = {
    gate,
    audit: new AuditBrowser({ db: opts.db }),
    overview: new AdminOverviewService({ db: opts.db, queues: opts.queues, clock: opts.clock }),
  };
  return {
    api,
    routes(metrics) {
      const metricsRoute = adminOnly(gate, createMetricsRoute(metrics));
      // Built on first use: with no token it is never needed, and bull-board's set-up is not free.
      let dashboard: ReturnType<typeof createQueueDashboard> | undefined;
      const queuesRoute = adminOnly(gate, (req, res, scope) => {
        dashboard ??= createQueueDashboard(opts.queues, ADMIN_PATHS.queues);
        return dashboard(req, res, scope);
      }, { browserPrompt: true });
      const queuesPaths = [ADMIN_PATHS.queues, `${ADMIN_PATHS.queues}/`];
      return [
        { method: 'GET', path: ADMIN_PATHS.metrics, handle: metricsRoute },
        ...(['GET', 'POST', 'PUT', 'DELETE'] as const).flatMap((method) => queuesPaths.map((path): Route => ({ method, path, handle: queuesRoute }))),
      ];
    },
  };
}
