import type { Queue } from 'bullmq';
import { ADMIN_PATHS } from '../../shared/admin.js';
import type { AdminGate } from '../security/admin-gate.js';
import { adminOnly } from './admin-only.js';
import type { Route, RouteHandler } from './host.js';
import { createQueueDashboard } from './queue-dashboard.js';

export interface AdminRoutesOptions {
  gate: AdminGate;
  /** Answers a Prometheus scrape (metrics/metrics-route.ts). */
  scrape: RouteHandler;
  /** The queues the dashboard shows. */
  queues: readonly Queue[];
}

/** The web server's admin routes: `/metrics` and the queue dashboard, each behind the admin token. */
export function createAdminRoutes(opts: AdminRoutesOptions): Route[] {
  const metricsRoute = adminOnly(opts.gate, opts.scrape);
  // Built on first use: with no token it is never needed, and bull-board's set-up is not free.
  let dashboard: RouteHandler | undefined;
  const queuesRoute = adminOnly(opts.gate, (req, res, scope) => {
    dashboard ??= createQueueDashboard(opts.queues, ADMIN_PATHS.queues);
    return dashboard(req, res, scope);
  }, { browserPrompt: true });
  const queuesPaths = [ADMIN_PATHS.queues, `${ADMIN_PATHS.queues}/`];
  return [
    { method: 'GET', path: ADMIN_PATHS.metrics, handle: metricsRoute },
    ...(['GET', 'POST', 'PUT', 'DELETE'] as const).flatMap((method) => queuesPaths.map((path): Route => ({ method, path, handle: queuesRoute }))),
  ];
}
