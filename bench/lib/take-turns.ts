/**
 * Fan-out rounds over groups of tabs held by different load processes (each process can hold
 * only so many sockets: 20,000 file descriptors here), taking turns round by round as one
 * process's `rounds` does for its own groups, so that both sides of a ratio meet the same moments
 * of a shared machine's noise.
 */
import type { FanoutRounds, FanoutSeries } from '../load/tabs.js';
import type { BenchChild } from './processes.js';

export interface TurnTaker {
  tabs: BenchChild<unknown>;
  series: FanoutRounds['series'][number];
}

export async function takeTurns(takers: TurnTaker[], rounds: number, warmupRounds: number, pauseMs: number): Promise<FanoutSeries[]> {
  const results = takers.map((): FanoutSeries => ({ samplesMs: [], payload: '', marker: '' }));
  for (let round = 0; round < warmupRounds + rounds; round += 1) {
    for (const [index, taker] of takers.entries()) {
      const result = results[index];
      if (!result) throw new Error('no result slot');
      const request: FanoutRounds = { series: [taker.series], rounds: 1, warmupRounds: 0, pauseMs };
      const [one] = await taker.tabs.call<FanoutSeries[]>('rounds', request);
      if (!one) throw new Error(`no round from group "${taker.series.group}"`);
      Object.assign(result, { payload: one.payload, marker: one.marker });
      if (round >= warmupRounds) result.samplesMs.push(...one.samplesMs);
    }
  }
  return results;
}
