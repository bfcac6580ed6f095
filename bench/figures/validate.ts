/**
 * validate.*: session.validate with its whole pipeline (credential cookie, rate limiter with a
 * budget too high to refuse, audit row, database) against
 *  - http_ratio / p99_ratio: a no-op procedure on tRPC's node-http adapter in the same process
 *    (Tabsync answers JSON calls without that adapter's Fetch conversion: src/server/http/trpc-json-calls.ts);
 *  - peer_ratio: express 5 + express-session + connect-redis, rolling sessions (load-and-touch);
 *  - ws_ratio: the same procedure over tRPC's WebSocket, against a bare node:http handler doing
 *    the primary-key lookup on the same database;
 *  - ws_peer_ratio: the WebSocket run against the express-session peer over HTTP.
 * Run on SQLite (`validate`) and on PostgreSQL (`validate-pg`, keys `validate.pg.*`).
 */
import type { HttpLoad } from '../load/autocannon.js';
import type { WsValidateLoad } from '../load/ws-validate.js';
import type { Figure, FigureContext, LoadResult, Results } from '../lib/figure.js';
import { measure } from '../lib/figure.js';
import { measureHttp } from '../lib/http-load.js';
import { forkChild, stopAll, type BenchChild } from '../lib/processes.js';
import { createPostgresDatabase, dropRedisPrefix, freshDataDir, freshPrefix, type PostgresDatabase } from '../lib/resources.js';
import { generateSessions, type BenchSession } from '../lib/sessions.js';
import { CONNECTIONS, LIMITS_LIFTED, LOAD_SECONDS, TURNS, WARMUP_SECONDS } from '../lib/settings.js';
import { round } from '../lib/stats.js';
import type { TabsyncReady } from '../servers/tabsync.js';

type Kind = 'sqlite' | 'postgres';

/** The run with the most requests per second, with the lowest p99 seen in any run. */
function best(runs: LoadResult[]): LoadResult {
  const fastest = runs.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
  return { ...fastest, p99Ms: Math.min(...runs.map((run) => run.p99Ms)) };
}

const asRequests = (sessions: BenchSession[]): HttpLoad['requests'] =>
  sessions.map((session) => ({
    headers: { 'content-type': 'application/json', cookie: session.cookie },
    body: JSON.stringify({ sessionId: session.sessionId }),
  }));

/** Every session must validate before the load: a run of refusals would be fast and meaningless. */
async function assertValid(url: string, sessions: BenchSession[]): Promise<void> {
  for (const session of sessions) {
    const response = await fetch(`${url}/api/trpc/session.validate`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: session.cookie }, body: JSON.stringify({ sessionId: session.sessionId }) });
    const body = (await response.json()) as { result?: { data?: { valid?: boolean } } };
    if (body.result?.data?.valid !== true) throw new Error(`session ${session.sessionId} does not validate: ${JSON.stringify(body)}`);
  }
}

/** Peer sessions: express-session's own cookie, made by the peer's generate route. */
async function peerSessions(url: string, count: number): Promise<BenchSession[]> {
  const sessions: BenchSession[] = [];
  for (let i = 0; i < count; i += 1) {
    const response = await fetch(`${url}/api/session/generate`, { method: 'POST' });
    const { sessionId } = (await response.json()) as { sessionId: string };
    const cookie = response.headers.getSetCookie()[0]?.split(';')[0];
    if (!cookie) throw new Error('the peer set no session cookie');
    sessions.push({ sessionId, cookie });
  }
  return sessions;
}

async function run(kind: Kind, ctx: FigureContext): Promise<Results> {
  const key = kind === 'sqlite' ? 'validate' : 'validate.pg';
  if (kind === 'postgres' && !ctx.postgresAdminUrl) {
    ctx.log('PostgreSQL does not answer (BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test): validate.pg.* skipped');
    return {};
  }
  const data = freshDataDir(key);
  const prefix = freshPrefix(key);
  let postgres: PostgresDatabase | undefined;
  const children: BenchChild<unknown>[] = [];
  try {
    if (kind === 'postgres' && ctx.postgresAdminUrl) postgres = await createPostgresDatabase(ctx.postgresAdminUrl, key);
    const tabsync = await forkChild<TabsyncReady>('servers/tabsync.ts', {
      env: {
        DATA_DIR: data.dir,
        DATABASE_URL: postgres?.url ?? `sqlite:${data.dir}/tabsync.sqlite`,
        REDIS_URL: ctx.redisUrl,
        BENCH_REDIS_PREFIX: prefix,
        BENCH_NOOP: '1',
        ...LIMITS_LIFTED,
        PORT: '0',
      },
    });
    children.push(tabsync);
    const { url, noopUrl } = tabsync.ready;
    if (!noopUrl) throw new Error('the no-op tRPC server did not start');
    const sessions = await generateSessions(url, CONNECTIONS);
    await assertValid(url, sessions);
    const requests = asRequests(sessions);
    // Started once the sessions exist: the lookup reads the rows Tabsync wrote.
    const peer = await forkChild<{ url: string }>('servers/express-peer.ts', { env: { REDIS_URL: ctx.redisUrl, BENCH_REDIS_PREFIX: `${prefix}-peer` } });
    children.push(peer);
    const lookup = await forkChild<{ url: string }>('servers/pk-lookup.ts', { env: { BENCH_LOOKUP_DATABASE: postgres?.url ?? `${data.dir}/tabsync.sqlite` } });
    children.push(lookup);
    const load = await forkChild('load/autocannon.ts');
    children.push(load);
    const wsLoad = await forkChild('load/ws-validate.ts');
    children.push(wsLoad);
    const peerRequests = asRequests(await peerSessions(peer.ready.url, CONNECTIONS));

    // Every server stays up, idle while another is measured, and the runs take turns: on this
    // shared machine a burst of someone else's work then cannot favour one side of a ratio.
    // Each side keeps its best run, since outside work only ever slows a run down.
    const runs = { noop: [] as LoadResult[], ours: [] as LoadResult[], ws: [] as LoadResult[], peer: [] as LoadResult[], floor: [] as LoadResult[] };
    for (let turn = 0; turn < TURNS; turn += 1) {
      const warmup = turn === 0 ? WARMUP_SECONDS : 1;
      runs.noop.push(await measureHttp(load, `${key} no-op tRPC`, `${noopUrl}/api/trpc/session.validate`, requests, warmup, ctx.log));
      runs.ours.push(await measureHttp(load, `${key} Tabsync HTTP`, `${url}/api/trpc/session.validate`, requests, warmup, ctx.log));
      const wsRequest: WsValidateLoad = { wsUrl: `${url.replace(/^http/, 'ws')}/api/trpc`, seconds: LOAD_SECONDS, warmupSeconds: warmup, sessions };
      const oursWs = await wsLoad.call<LoadResult>('run', wsRequest);
      ctx.log(`${key} Tabsync WebSocket: ${round(oursWs.requestsPerSecond, 0)} req/s, p50 ${round(oursWs.p50Ms)} ms, p99 ${round(oursWs.p99Ms)} ms, ${oursWs.errors} errors`);
      if (oursWs.errors > 0) throw new Error(`${key}: ${oursWs.errors} WebSocket validations failed`);
      runs.ws.push(oursWs);
      runs.peer.push(await measureHttp(load, `${key} express-session peer`, `${peer.ready.url}/api/session/validate`, peerRequests, warmup, ctx.log));
      runs.floor.push(await measureHttp(load, `${key} bare primary-key lookup`, `${lookup.ready.url}/`, requests, warmup, ctx.log));
    }
    const [noop, ours, ws, peerBest, floor] = [best(runs.noop), best(runs.ours), best(runs.ws), best(runs.peer), best(runs.floor)];
    return {
      [`${key}.http_ratio`]: measure(ours.requestsPerSecond, noop.requestsPerSecond, 'req/s'),
      [`${key}.peer_ratio`]: measure(ours.requestsPerSecond, peerBest.requestsPerSecond, 'req/s'),
      [`${key}.ws_ratio`]: measure(ws.requestsPerSecond, floor.requestsPerSecond, 'req/s'),
      [`${key}.ws_peer_ratio`]: measure(ws.requestsPerSecond, peerBest.requestsPerSecond, 'req/s'),
      [`${key}.p99_ratio`]: measure(ours.p99Ms, noop.p99Ms, 'ms p99'),
    };
  } finally {
    await stopAll(children);
    await postgres?.drop().catch(() => undefined);
    await dropRedisPrefix(ctx.redisUrl, prefix).catch(() => undefined);
    data.remove();
  }
}

export const validateFigure: Figure = { name: 'validate', run: (ctx) => run('sqlite', ctx) };
export const validatePostgresFigure: Figure = { name: 'validate-pg', run: (ctx) => run('postgres', ctx) };
