import type { Job, Worker } from 'bullmq';
import type { AppMetrics } from './app-metrics.js';

/** Counts a worker's jobs: how long each completed one ran, and each failed attempt. */
export function watchJobs(metrics: AppMetrics, worker: Worker): void {
  worker.on('completed', (job: Job) => {
    if (job.processedOn === undefined || job.finishedOn === undefined) return;
    metrics.jobDuration.observe({ queue: worker.name }, (job.finishedOn - job.processedOn) / 1000);
  });
  worker.on('failed', () => { metrics.jobFailures.inc({ queue: worker.name }); });
}
