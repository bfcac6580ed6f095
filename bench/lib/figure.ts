/** One row of `bench/results.json`: Tabsync's number, its floor or peer measured in the same run, and ours/floor. */
export interface Measure {
  ours: number;
  floor: number;
  ratio: number;
  unit: string;
}

export type Results = Record<string, Measure>;

/** What a load generator reports of one measured run: requests answered, latency, failures. */
export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  errors: number;
}

/** What every figure is handed: where Redis is, and a way to say what it is doing. */
export interface FigureContext {
  redisUrl: string;
  /** The PostgreSQL server to create fresh databases on, when one answers. */
  postgresAdminUrl: string | undefined;
  log: (line: string) => void;
}

export interface Figure {
  /** The name picked on the command line (`npm run bench -- validate fanout`). */
  name: string;
  run(ctx: FigureContext): Promise<Results>;
}

/**
 * ours/floor. A floor of zero (wrong deletions, where the direct deletes delete nothing wrong)
 * has no meaningful quotient: the ratio is then 1 when ours is zero too, else ours itself.
 */
export function measure(ours: number, floor: number, unit: string): Measure {
  const ratio = floor === 0 ? (ours === 0 ? 1 : ours) : ours / floor;
  return { ours: round4(ours), floor: round4(floor), ratio: round4(ratio), unit };
}

function round4(value: number): number {
  return Math.round(value * 1000) / 1000;
}
