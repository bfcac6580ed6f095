import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminOnly } from '../src/server/http/admin-only.js';
import type { ClientIpResolver } from '../src/server/http/client-ip.js';
import { healthRoutes, type ReadinessCheck } from '../src/server/http/health.js';
import { createHttpHost } from '../src/server/http/host.js';
import { createLingeringClose } from '../src/server/http/lingering-close.js';
import type { OriginPolicy } from '../src/server/http/origin-policy.js';
import type { RequestIdReader } from '../src/server/http/request-id.js';
import { createRequestPolicies } from '../src/server/http/request-policies.js';
import type { Logger } from '../src/server/logger.js';
import type { AppMetrics } from '../src/server/metrics/app-metrics.js';
import { auditMetricsObserver } from '../src/server/metrics/audit-metrics.js';
import { createMetricsRoute } from '../src/server/metrics/metrics-route.js';
import { createWorkerMetrics } from '../src/server/metrics/worker-metrics.js';
import { readinessChecks, type ProcessDeps } from '../src/server/process-deps.js';
import type { AdminGate } from '../src/server/security/admin-gate.js';
import { createAdminGate } from '../src/server/security/create-admin-gate.js';
import { createRefusalAuditGate } from '../src/server/security/create-refusal-audit-gate.js';
import type { RefusalAuditGate } from '../src/server/services/audit/refusal-audit-gate.js';
import type { AuditService } from '../src/server/services/audit/audit.service.js';
import { ADMIN_PATHS } from '../src/shared/admin.js';

/** The metrics the workers count into, and where this process serves them, if anywhere. */
export interface WorkerMetricsServing {
  metrics: AppMetrics | undefined;
  /** Where /metrics, /healthz and /readyz are served (WORKER_METRICS_PORT; with 0, the port picked). */
  url: string | undefined;
}

/**
 * Workers in the web server's process (`npm start`) count into its metrics, served at its
 * /metrics. Workers on their own count into a registry of theirs when WORKER_METRICS_PORT is set,
 * and serve it there behind the admin token, with /healthz and /readyz; the host closes with the
 * process's shutdown stack.
 */
export async function serveWorkerMetrics(deps: ProcessDeps, serverMetrics: AppMetrics | undefined): Promise<WorkerMetricsServing> {
  const { config, log, audit, queues, redisPrefix } = deps;
  const port = serverMetrics ? undefined : config.workerMetricsPort;
  if (serverMetrics && config.workerMetricsPort !== undefined) {
    log.info('WORKER_METRICS_PORT is ignored: these workers run in the web server, whose /metrics counts their jobs');
  }
  const metrics = serverMetrics ?? (port === undefined ? undefined : createWorkerMetrics(queues.all));
  if (metrics) audit.observe(auditMetricsObserver(metrics));
  if (!metrics || port === undefined) return { metrics, url: undefined };

  // Admin checks and /readyz answer at once: with no offline queue, an outage fails fast (the gate falls back to memory).
  const redis = await deps.connectRedis('admin', { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  // This process's one refusal gate: the host's and the admin gate's refusals count together.
  const refusalGate = createRefusalAuditGate(redis, redisPrefix);
  const requests = createRequestPolicies(config);
  const host = await startWorkerHost({
    host: config.host,
    port,
    log,
    audit,
    metrics,
    adminGate: createAdminGate({ token: config.adminToken, redis, redisPrefix, audit, refusalGate }),
    refusalGate,
    originPolicy: requests.originPolicy,
    clientIp: requests.clientIp,
    requestId: requests.requestId,
    readiness: readinessChecks(deps, redis),
  });
  deps.shutdown.push(() => host.close());
  log.info({ url: host.url }, `worker metrics are served at ${host.url}/metrics`);
  return { metrics, url: host.url };
}

/** Built by serveWorkerMetrics as the web server's parts are by src/server/app.ts. */
interface WorkerHostOptions {
  /** HOST: the interface to bind. */
  host: string;
  port: number;
  log: Logger;
  audit: AuditService;
  metrics: AppMetrics;
  adminGate: AdminGate;
  /** The process's one refusal gate, the admin gate's own. */
  refusalGate: RefusalAuditGate;
  originPolicy: OriginPolicy;
  clientIp: ClientIpResolver;
  requestId: RequestIdReader;
  /** What /readyz asks: the same dependencies as the web server's. */
  readiness: Record<string, ReadinessCheck>;
}

interface WorkerHost {
  /** Where it listens, e.g. http://127.0.0.1:9464 (the port it was given, or the one 0 picked). */
  url: string;
  close(): Promise<void>;
}

/**
 * Only scrapes and probes, which answer at once: a client gets a few seconds, not the web
 * server's five minutes for an upload.
 */
const TIMEOUTS = { headersMs: 5_000, requestMs: 10_000, keepAliveMs: 5_000 };

/**
 * The HTTP side of a worker process running alone (WORKER_METRICS_PORT): /metrics behind the
 * admin token, /healthz and /readyz. The web server's host, so that bad targets, slow clients,
 * unknown paths and refused tokens are answered exactly as there.
 */
async function startWorkerHost(opts: WorkerHostOptions): Promise<WorkerHost> {
  const server = createHttpHost({
    log: opts.log,
    audit: opts.audit,
    refusalGate: opts.refusalGate,
    originPolicy: opts.originPolicy,
    clientIp: opts.clientIp,
    requestId: opts.requestId,
    timeouts: TIMEOUTS,
    lingering: createLingeringClose(),
    routes: [
      ...healthRoutes(opts.readiness),
      { method: 'GET', path: ADMIN_PATHS.metrics, handle: adminOnly(opts.adminGate, createMetricsRoute(opts.metrics)) },
    ],
  });
  const port = await listen(server, opts.port, opts.host);
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => { resolve(); });
        // A scrape cut short at shutdown costs one sample; waiting for keep-alive sockets costs the shutdown.
        server.closeAllConnections();
      }),
  };
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
