/**
 * What a run is allowed to use and how long it measures. `BENCH_QUICK=1` is a smoke run: the same
 * code paths with short timings and small counts, for the test that keeps the harness from rotting.
 */
export const QUICK = process.env.BENCH_QUICK === '1';

/** Seconds of measured load per autocannon (or WebSocket) run; 10 s smooths out the machine's noise. */
export const LOAD_SECONDS = QUICK ? 2 : 10;
/** Seconds of load before each measured run: JIT, connection pools, SQLite's page cache. */
export const WARMUP_SECONDS = QUICK ? 1 : 3;
/** Concurrent connections (or sockets) of the validate figures. */
export const CONNECTIONS = 50;

/**
 * How many times each run of a figure that takes turns is measured (`BENCH_TURNS`); each side
 * keeps its best. More turns cost time and buy robustness on a busy machine.
 */
export const TURNS = Math.max(1, Number(process.env.BENCH_TURNS ?? (QUICK ? 1 : 2)));

/**
 * The server's limits that would refuse a load generator (one address, thousands of requests and
 * sockets), lifted; the limiters still run on every request, they just never refuse.
 */
export const LIMITS_LIFTED = {
  RATE_LIMIT_PER_MINUTE: '1000000',
  SESSION_VALIDATIONS_PER_MINUTE: '1000000',
  CHAT_RATE_LIMIT_PER_MINUTE: '1000000',
  SESSION_MESSAGES_PER_MINUTE: '1000000',
  WS_MAX_PER_IP: '100000',
  WS_MAX_UPGRADES_PER_SECOND: '1000000',
} as const;
