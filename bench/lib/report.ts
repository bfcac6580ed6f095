/**
 * The reporter: one table on stdout (with the load average while each figure ran, since this
 * machine is shared), and bench/results.json in the agreed shape. Keys measured by earlier runs
 * are kept, so `npm run bench -- fanout` refreshes the fan-out figures and leaves the rest.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Results } from './figure.js';
import { describeGoal, goalOf, meets } from './goals.js';

export interface ReportRow {
  key: string;
  /** Load average (1 min) when the figure started → when it ended. */
  load: string;
}

export function printTable(results: Results, rows: ReportRow[]): string {
  const header = ['figure', 'ours', 'floor/peer', 'ratio', 'unit', 'goal', 'met', 'load'];
  const lines = rows.flatMap(({ key, load }) => {
    const measure = results[key];
    if (!measure) return [];
    const goal = goalOf(key);
    const met = meets(goal, measure);
    return [[key, String(measure.ours), String(measure.floor), String(measure.ratio), measure.unit, describeGoal(goal), met === undefined ? '' : met ? 'yes' : 'NO', load]];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]?.length ?? 0)));
  const format = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  const table = [format(header), format(widths.map((width) => '-'.repeat(width))), ...lines.map(format)].join('\n');
  console.log(table);
  return table;
}

export function writeResults(file: string, results: Results): void {
  const earlier = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Results) : {};
  const merged: Results = { ...earlier, ...results };
  const sorted = Object.fromEntries(Object.keys(merged).sort().map((key) => [key, merged[key]]));
  writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
}
