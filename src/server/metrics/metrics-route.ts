import type { RouteHandler } from '../http/host.js';
import type { AppMetrics } from './app-metrics.js';

/** Answers a scrape in Prometheus text (the admin gate stands in front of it: http/admin-only.ts). */
export function createMetricsRoute(metrics: AppMetrics): RouteHandler {
  return async (_req, res) => {
    const body = await metrics.registry.metrics();
    res.writeHead(200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' });
    res.end(body);
  };
}
