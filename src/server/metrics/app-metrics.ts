import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every metric of one web server instance, in a registry of its own: tests build several apps in
 * one process, and a process-wide default registry would mix their numbers (or refuse the second
 * app's metric names).
 */
export class AppMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'tabsync_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'tabsync_http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly sessionEvents = new Counter({
    name: 'tabsync_session_events_total',
    help: 'Session events recorded in the audit log by this instance: generated, validated, validation_failed, reset, expired.',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  readonly refusals = new Counter({
    name: 'tabsync_refusals_total',
    help: 'Refusals recorded in the audit log (rate_limit, origin, admin_auth); repeats from one client within a minute are recorded once.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly objectsCleaned = new Counter({
    name: 'tabsync_objects_cleaned_total',
    help: 'Objects deleted from the object store by cleanups this process recorded.',
    registers: [this.registry],
  });

  readonly auditRows = new Counter({
    name: 'tabsync_audit_rows_written_total',
    help: 'Audit rows committed by this process, by event.',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  readonly auditBatchSize = new Histogram({
    name: 'tabsync_audit_batch_size',
    help: 'Rows per audit commit (group commits share one transaction among concurrent requests).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });

  /** Job metrics count only where workers run in this process (`npm start`): see jobs/worker-app.ts. */
  readonly jobDuration = new Histogram({
    name: 'tabsync_job_duration_seconds',
    help: 'Time a job ran, from its start to its completion, by queue.',
    labelNames: ['queue'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });

  readonly jobFailures = new Counter({
    name: 'tabsync_job_failures_total',
    help: 'Job attempts that failed, by queue (a retried job counts once per failed attempt).',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** A gauge read at scrape time from `read` (sockets, subscriptions: counted where they live). */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({ name, help, registers: [this.registry], collect() { this.set(read()); } });
  }
}
