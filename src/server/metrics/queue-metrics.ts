import { Gauge } from 'prom-client';
import type { Queue } from 'bullmq';
import type { AppMetrics } from './app-metrics.js';

/** The job states counted as a queue's depth, and the failed ones kept for inspection. */
const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

/**
 * Jobs per queue and state, asked of Redis at scrape time (BullMQ's getJobCounts): the numbers are
 * the deployment's, shared by every instance, so any one instance's scrape is the truth.
 */
export function registerQueueDepth(metrics: AppMetrics, queues: readonly Queue[]): void {
  new Gauge({
    name: 'tabsync_queue_jobs',
    help: 'Jobs in each queue by state (waiting, active, delayed, prioritized, failed), read from Redis at scrape time.',
    labelNames: ['queue', 'state'] as const,
    registers: [metrics.registry],
    async collect() {
      const counts = await Promise.all(queues.map(async (queue) => [queue.name, await queue.getJobCounts(...STATES)] as const));
      for (const [queue, byState] of counts) {
        for (const state of STATES) this.set({ queue, state }, byState[state] ?? 0);
      }
    },
  });
}
