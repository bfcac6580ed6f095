/** The goal of each figure (issue 9), and whether a measure meets it. */
import type { Measure } from './figure.js';

interface Goal {
  /** Which number the goal is on: most goals are on the ratio, the memory and correctness ones on ours. */
  on: 'ratio' | 'ours';
  op: '>=' | '<=' | '=';
  value: number;
}

const GOALS: [RegExp, Goal][] = [
  [/^validate(\.pg)?\.http_ratio$/, { on: 'ratio', op: '>=', value: 0.8 }],
  [/^validate(\.pg)?\.ws_ratio$/, { on: 'ratio', op: '>=', value: 0.5 }],
  [/^validate(\.pg)?\.ws_peer_ratio$/, { on: 'ratio', op: '>=', value: 1.2 }],
  [/^validate(\.pg)?\.p99_ratio$/, { on: 'ratio', op: '<=', value: 3 }],
  [/^fanout\.p99_ratio$/, { on: 'ratio', op: '<=', value: 1.5 }],
  [/^fanout2\.p99_ratio$/, { on: 'ratio', op: '<=', value: 2 }],
  [/^fanout10k\.p99_ratio$/, { on: 'ratio', op: '<=', value: 2 }],
  [/^cluster\.fanout\.p99_ratio$/, { on: 'ratio', op: '<=', value: 1.3 }],
  [/^ws\.bytes_per_connection_ratio$/, { on: 'ratio', op: '<=', value: 1.5 }],
  [/^ws\.slow_readers_rss_growth_mb$/, { on: 'ours', op: '<=', value: 64 }],
  [/^upload(\.\w+)?\.rss_growth_mb$/, { on: 'ours', op: '<=', value: 64 }],
  [/^upload(\.\w+)?\.throughput_ratio$/, { on: 'ratio', op: '>=', value: 0.7 }],
  [/^cleanup(\.\w+)?\.time_ratio$/, { on: 'ratio', op: '<=', value: 1.5 }],
  [/^cleanup(\.\w+)?\.wrong_deletions$/, { on: 'ours', op: '=', value: 0 }],
  [/^page\.fcp_ms$/, { on: 'ours', op: '<=', value: 1000 }],
  [/^page\.connected_ms$/, { on: 'ours', op: '<=', value: 2000 }],
  [/^page\.first_script_kb$/, { on: 'ours', op: '<=', value: 120 }],
  [/^storm\.resume_s$/, { on: 'ours', op: '<=', value: 30 }],
  [/^storm\.lost_events$/, { on: 'ours', op: '=', value: 0 }],
];

export function goalOf(key: string): Goal | undefined {
  return GOALS.find(([pattern]) => pattern.test(key))?.[1];
}

export function describeGoal(goal: Goal | undefined): string {
  if (!goal) return '';
  return `${goal.on === 'ours' ? 'ours ' : ''}${goal.op === '=' ? '=' : goal.op === '>=' ? '≥' : '≤'} ${goal.value}`;
}

export function meets(goal: Goal | undefined, measure: Measure): boolean | undefined {
  if (!goal) return undefined;
  const value = measure[goal.on];
  if (goal.op === '>=') return value >= goal.value;
  if (goal.op === '<=') return value <= goal.value;
  return value === goal.value;
}
