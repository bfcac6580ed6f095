import type { Queue } from 'bullmq';
import { AppMetrics } from './app-metrics.js';
import { registerQueueDepth } from './queue-metrics.js';

/**
 * The registry of a process running workers alone (WORKER_METRICS_PORT): the workers count their
 * jobs into it (watchJobs) and the process's audit rows are read into it (auditMetricsObserver), as
 * where workers run in the server; queue depth is read from Redis, as on every server. Its HTTP
 * series stay empty: the process answers only scrapes and probes.
 */
export function createWorkerMetrics(queues: readonly Queue[]): AppMetrics {
  const metrics = new AppMetrics();
  registerQueueDepth(metrics, queues);
  return metrics;
}
