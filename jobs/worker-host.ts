import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdminGate } from '../src/server/security/admin-gate.js';
import { adminOnly } from '../src/server/http/admin-only.js';
import type { ClientIpResolver } from '../src/server/http/client-ip.js';
import { createReadinessProbe, sendHealth, sendReadiness, type ReadinessCheck } from '../src/server/http/health.js';
import { createHttpHost } from '../src/server/http/host.js';
import { createLingeringClose } from '../src/server/http/lingering-close.js';
import type { RequestIdReader } from '../src/server/http/request-id.js';
import type { Logger } from '../src/server/logger.js';
import type { AppMetrics } from '../src/server/metrics/app-metrics.js';
import { createMetricsRoute } from '../src/server/metrics/metrics-route.js';
import type { OriginPolicy } from '../src/server/http/origin-policy.js';
import type { RefusalAuditGate } from '../src/server/security/rate-limits.js';
import type { AuditService } from '../src/server/services/audit/audit.service.js';
import { ADMIN_PATHS } from '../src/shared/admin.js';

/** Built by the composition root (jobs/worker-app.ts) as the web server's are by src/server/app.ts. */
export interface WorkerHostOptions {
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

export interface WorkerHost {
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
export async function startWorkerHost(opts: WorkerHostOptions): Promise<WorkerHost> {
  const readiness = createReadinessProbe(opts.readiness);
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
      { method: 'GET', path: '/healthz', handle: (_req, res) => { sendHealth(res); } },
      { method: 'GET', path: '/readyz', handle: (_req, res) => sendReadiness(res, readiness) },
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
