import type { Queue } from 'bullmq';
import type { FinishedRequest } from '../http/host.js';
import type { AuditService } from '../services/audit/audit.service.js';
import { AppMetrics } from './app-metrics.js';
import { auditMetricsObserver } from './audit-metrics.js';
import { registerQueueDepth } from './queue-metrics.js';

export interface ServerMetricsOptions {
  audit: AuditService;
  queues: readonly Queue[];
  /** Open WebSockets on this instance, read at scrape time. */
  sockets: () => number;
  /** Live event subscriptions on this instance, read at scrape time. */
  subscriptions: () => number;
}

export interface ServerMetrics extends AppMetrics {
  /** The host's hook: counts and times each answered request by its route's pattern. */
  readonly requestFinished: (request: FinishedRequest) => void;
}

/** The web server's metrics, each read at its one seam: the audit log, the host, the queues and the sockets. */
export function createServerMetrics(opts: ServerMetricsOptions): ServerMetrics {
  const metrics = new AppMetrics();
  opts.audit.observe(auditMetricsObserver(metrics));
  registerQueueDepth(metrics, opts.queues);
  metrics.gauge('tabsync_ws_connections', 'Open WebSocket connections on this instance.', opts.sockets);
  metrics.gauge('tabsync_subscriptions', 'Live session event subscriptions on this instance.', opts.subscriptions);
  const requestFinished = ({ method, route, status, seconds }: FinishedRequest): void => {
    const labels = { method, route, status: String(status) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, seconds);
  };
  return Object.assign(metrics, { requestFinished });
}
