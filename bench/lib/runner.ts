/**
 * Runs the picked figures one after another (never two at once: they would measure each other),
 * each with its own fresh resources, and keeps going when one fails so a broken figure costs only
 * its own rows.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Figure, FigureContext, Results } from './figure.js';
import type { ReportRow } from './report.js';

const loadAverage = () => os.loadavg()[0]?.toFixed(2) ?? '?';

export async function runFigures(figures: Figure[], ctx: FigureContext): Promise<{ results: Results; rows: ReportRow[]; failed: string[] }> {
  const results: Results = {};
  const rows: ReportRow[] = [];
  const failed: string[] = [];
  for (const figure of figures) {
    const loadBefore = loadAverage();
    const started = performance.now();
    ctx.log(`— ${figure.name} (load ${loadBefore})`);
    try {
      const measured = await figure.run(ctx);
      const load = `${loadBefore}→${loadAverage()}`;
      for (const [key, value] of Object.entries(measured)) {
        results[key] = value;
        rows.push({ key, load });
      }
      ctx.log(`— ${figure.name} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    } catch (error) {
      failed.push(figure.name);
      ctx.log(`— ${figure.name} FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  return { results, rows, failed };
}
