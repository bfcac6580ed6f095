import { setMaxListeners } from 'node:events';
import http from 'node:http';
import type { Socket } from 'node:net';
import { array as fcArray, assert as fcAssert, asyncProperty, interruptAfterTimeLimit, type Arbitrary, type Parameters, type Plugin } from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CREDENTIAL_COOKIE } from '../../../src/shared/limits.js';
import type { DatabaseKind } from '../../support/databases.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';
import { exchangeHttp, exchangeRaw, forEachBounded, probeIdleConnections, sendHttp, type HttpRequest } from './exchange.js';
import { problemsWithHttpAnswer, problemsWithRawAnswer } from './oracle.js';
import { expand, expandBytes, type LiveValues } from './macros.js';

/**
 * Budgets high enough that the fuzz reaches the procedures rather than the rate limiter (a 429 is
 * still an acceptable answer), and sockets enough for its parallel WebSocket runs.
 */
export const FUZZ_ENV = {
  RATE_LIMIT_PER_MINUTE: '1000000',
  CHAT_RATE_LIMIT_PER_MINUTE: '1000000',
  UPLOAD_RATE_LIMIT_PER_MINUTE: '1000000',
  SESSION_MESSAGES_PER_MINUTE: '1000000',
  WS_MAX_PER_IP: '1000',
} as const;

/**
 * A request written as raw bytes: one latin1 character a byte, with tokens that expand to ASCII;
 * `reset` drops the connection right after writing it.
 */
export interface RawRequest {
  bytes: string;
  reset: boolean;
  /** Read until the server closes the connection (the bytes end with a request saying `Connection: close`). */
  untilClose: boolean;
}

/** How long the server may take to notice that a client closed its connection. */
const CLOSE_NOTICE_MS = 2000;

/** How many requests a fuzz run keeps in flight at once. */
export const CONCURRENCY = 24;

/**
 * A batch of generated requests for one run of a property: they are sent in parallel, and a failing
 * batch shrinks to the one request (usually) that fails. It may be empty: with a floor of one,
 * fast-check's shrinker leaves a second, irrelevant request beside the one that fails.
 */
export function batchOf<T>(request: Arbitrary<T>): Arbitrary<T[]> {
  return fcArray(request, { maxLength: 50, size: 'max' });
}

/** Room for a property to shrink a failure to its smallest case; a passing run takes a fraction of it. */
export const PROPERTY_TIMEOUT_MS = 300_000;

/**
 * fast-check's parameters for a fuzz property. A failure prints its seed and path (fc.assert does);
 * `FUZZ_SEED=<seed> FUZZ_PATH=<path>` replays it.
 */
export function fuzzParameters(numRuns: number): Parameters<[unknown]> {
  const { FUZZ_SEED: seed, FUZZ_PATH: path } = process.env;
  return { numRuns, ...(seed ? { seed: Number(seed) } : {}), ...(path ? { path } : {}) };
}

/** Whatever escaped the server's own handling: in production, each of these ends the process. */
export class CrashWatch {
  readonly crashes: unknown[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly record = (error: unknown) => {
    this.crashes.push(error);
    for (const listener of this.listeners) listener();
  };

  /** A signal that aborts at the next crash, for requests that need not be waited for any more; `release` when done. */
  abortOnCrash(): { signal: AbortSignal; release(): void } {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal); // one listener per request in flight
    const abort = () => { controller.abort(); };
    this.listeners.add(abort);
    return { signal: controller.signal, release: () => { this.listeners.delete(abort); } };
  }

  start(): void {
    process.on('uncaughtException', this.record);
    process.on('unhandledRejection', this.record);
  }

  stop(): void {
    process.off('uncaughtException', this.record);
    process.off('unhandledRejection', this.record);
  }

  /** Crashes since `mark` (a count taken earlier), described for a failure message. */
  since(mark: number): string[] {
    return this.crashes.slice(mark).map((error) => `an error escaped the server: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
}

function setCookieValue(headers: Record<string, string | string[] | undefined>): string | undefined {
  const lines = headers['set-cookie'] ?? [];
  for (const line of Array.isArray(lines) ? lines : [lines]) {
    const match = new RegExp(`^${CREDENTIAL_COOKIE}=([^;]+)`).exec(line);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

export interface FuzzTargetOptions {
  /** SQLite by default; the procedures' targets run on each database, whose limits differ (PostgreSQL has no year 0). */
  database?: DatabaseKind;
  /** On top of FUZZ_ENV (the procedures' targets turn the admin API on with it). */
  env?: Record<string, string>;
}

/**
 * Node's parser holds a request whose method is `PRI` after its headers, waiting for the rest of an
 * HTTP/2 preface (`SM`), so only the server's headers timeout ends it (408, then a hang-up). The
 * fuzz's app keeps that timeout well inside ANSWER_TIMEOUT_MS: every such request is then seen to
 * end, as it does after the real 15 s.
 */
const FUZZ_TIMEOUTS = { headersMs: 2000 };

/** A real app under fuzz, with a live session (and one stored file) for requests to reach deep code. */
export class FuzzTarget {
  /** Requests (and WebSocket messages) sent so far: the suite asserts its floor. */
  requests = 0;
  readonly watch = new CrashWatch();
  live: LiveValues = { sessionId: '', credential: '', fileId: '' };
  /** The server's side of every open connection, so that closing never waits on one the server leaked. */
  private readonly sockets = new Set<Socket>();

  private constructor(readonly test: TestApp) {}

  static async start(options: FuzzTargetOptions = {}): Promise<FuzzTarget> {
    const target = new FuzzTarget(await startTestApp({ database: options.database, env: { ...FUZZ_ENV, ...options.env }, overrides: { timeouts: FUZZ_TIMEOUTS } }));
    target.watch.start();
    target.test.app.server.on('connection', (socket: Socket) => {
      target.sockets.add(socket);
      socket.once('close', () => target.sockets.delete(socket));
    });
    target.live = await target.newLiveSession();
    return target;
  }

  get url(): string {
    return this.test.url;
  }

  get port(): number {
    return Number(new URL(this.test.url).port);
  }

  /** Generates a session over HTTP, as a browser does, and uploads one small file into it. */
  async newLiveSession(): Promise<LiveValues> {
    const generated = await sendHttp(this.url, { method: 'POST', path: '/api/trpc/session.generate', headers: { 'content-type': 'application/json' } });
    expect(generated.status, generated.body).toBe(200);
    const credential = setCookieValue(generated.headers);
    const { result } = JSON.parse(generated.body) as { result: { data: { sessionId: string } } };
    expect(credential).toBeTypeOf('string');
    const sessionId = result.data.sessionId;
    const uploaded = await sendHttp(this.url, {
      method: 'POST',
      path: `/api/files?sessionId=${sessionId}&name=notes.txt`,
      headers: { cookie: `${CREDENTIAL_COOKIE}=${credential ?? ''}`, 'content-type': 'text/plain' },
      body: 'fuzz fixture\n',
    });
    expect(uploaded.status, uploaded.body).toBe(201);
    const { fileId } = JSON.parse(uploaded.body) as { fileId: string };
    return { sessionId, credential: credential ?? '', fileId };
  }

  /** A generated text with its tokens replaced by the live session's values and the bodies they stand for. */
  fill(text: string): string {
    return expand(text, this.live);
  }

  fillBytes(bytes: Buffer): Buffer {
    return expandBytes(bytes, this.live);
  }

  /**
   * A fuzzed reset may have ended the live session (its answer carried the new one, which only
   * that request's client would keep): start a new one when the live one no longer validates.
   */
  async refreshLiveSession(): Promise<void> {
    const check = await sendHttp(this.url, {
      method: 'POST',
      path: '/api/trpc/session.validate',
      headers: { 'content-type': 'application/json', cookie: `${CREDENTIAL_COOKIE}=${this.live.credential}` },
      body: JSON.stringify({ sessionId: this.live.sessionId }),
    });
    const valid = check.status === 200 && (JSON.parse(check.body) as { result: { data: { valid: boolean } } }).result.data.valid;
    if (!valid) this.live = await this.newLiveSession();
  }

  /** Where this server keeps its files: a response that names one leaks it. */
  get serverPaths(): string[] {
    return [process.cwd(), this.test.database.dataDir];
  }

  /**
   * Runs `exchange` on every item of a batch, at most CONCURRENCY at a time, counting each as a
   * request; lists the problems it reports and every error that escaped the server meanwhile.
   * Exchanges still waiting when an error escapes are abandoned: that error is the problem.
   */
  async inBatch<T>(items: readonly T[], exchange: (item: T, signal: AbortSignal) => Promise<string[]>): Promise<string[]> {
    const mark = this.watch.crashes.length;
    const crash = this.watch.abortOnCrash();
    const problems: string[] = [];
    try {
      await forEachBounded(items, CONCURRENCY, async (item) => {
        problems.push(...(await exchange(item, crash.signal)));
        this.requests += 1;
      });
    } finally {
      crash.release();
    }
    return [...problems, ...this.watch.since(mark)];
  }

  /**
   * Sends generated requests by node:http and lists every problem with their answers, and then
   * with the connections they leave: each one kept alive must serve a next request.
   */
  async exchangeAll(requests: readonly HttpRequest[]): Promise<string[]> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    try {
      const problems = await this.exchangeOn(agent, requests);
      return [...problems, ...(await probeIdleConnections(this.url, agent))];
    } finally {
      agent.destroy();
    }
  }

  private exchangeOn(agent: http.Agent, requests: readonly HttpRequest[]): Promise<string[]> {
    return this.inBatch(requests, async (request, signal) => {
      const wire: HttpRequest = {
        method: request.method,
        path: this.fill(request.path),
        headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.map((v) => this.fill(v)) : this.fill(value)])),
        body: request.body === undefined ? undefined : typeof request.body === 'string' ? this.fill(request.body) : this.fillBytes(request.body),
      };
      const answer = await exchangeHttp(this.url, wire, { signal, agent });
      const sent = `${wire.method} ${wire.path}\n${JSON.stringify(wire.headers)}\n${wire.body?.toString() ?? ''}`;
      const bodyBytes = wire.body === undefined ? 0 : Buffer.byteLength(wire.body);
      return problemsWithHttpAnswer(answer, { text: sent, method: wire.method, bodyBytes }, this.serverPaths).map((problem) => `${request.method} ${request.path.slice(0, 300)}: ${problem}`);
    });
  }

  /**
   * The same for requests written byte by byte on raw TCP connections; and once the client has
   * closed every one of them, the server must let go of them too (a socket it neither reads nor
   * closes is a descriptor lost for good).
   */
  async exchangeAllRaw(requests: readonly RawRequest[]): Promise<string[]> {
    const before = await this.openConnections();
    const problems = await this.inBatch(requests, async (request, signal) => {
      const bytes = Buffer.from(this.fill(request.bytes), 'latin1');
      const answer = await exchangeRaw(this.port, bytes, { reset: request.reset, untilClose: request.untilClose, signal });
      return problemsWithRawAnswer(answer, bytes.toString('latin1'), this.serverPaths).map((problem) => `${JSON.stringify(request.bytes.slice(0, 300))}: ${problem}`);
    });
    const held = await this.connectionsHeldAbove(before);
    return held > 0 ? [...problems, `the server still holds ${held} of the connections the client closed`] : problems;
  }

  private openConnections(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.test.app.server.getConnections((error, count) => { if (error) reject(error); else resolve(count); });
    });
  }

  /** Connections above `baseline` that the server still holds once it has had time to see them closed. */
  private async connectionsHeldAbove(baseline: number): Promise<number> {
    const deadline = Date.now() + CLOSE_NOTICE_MS;
    let held = (await this.openConnections()) - baseline;
    while (held > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      held = (await this.openConnections()) - baseline;
    }
    return held;
  }

  /** The server is up and serving: `/healthz`, `/readyz` and a fresh session all answer, and nothing crashed. */
  async expectHealthy(): Promise<void> {
    expect(this.watch.since(0), 'errors escaped the server').toEqual([]);
    const health = await sendHttp(this.url, { method: 'GET', path: '/healthz', headers: {} });
    expect(health.status).toBe(200);
    const ready = await sendHttp(this.url, { method: 'GET', path: '/readyz', headers: {} });
    expect(ready.status, ready.body).toBe(200);
    const fresh = await this.newLiveSession();
    expect(fresh.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(this.test.app.server.listening).toBe(true);
  }

  async close(): Promise<void> {
    this.watch.stop();
    // A connection the server leaked (reported by a property) would hold its close for good.
    for (const socket of this.sockets) socket.destroy();
    await this.test.close();
  }
}

/** Starts a fuzz target for the test file that calls this (in its describe), and closes it after. */
export function useFuzzTarget(options: FuzzTargetOptions = {}): () => FuzzTarget {
  let target: FuzzTarget | undefined;
  beforeAll(async () => { target = await FuzzTarget.start(options); });
  afterAll(async () => { await target?.close(); });
  return () => {
    if (!target) throw new Error('The fuzz target did not start; see the error of beforeAll.');
    return target;
  };
}

/** Runs of a property per fast-check round. */
const ROUND_RUNS = 25;
/** The end of a property's time kept for fast-check to report what it found. */
const REPORT_MARGIN_MS = 20_000;

/**
 * A file's fuzz property: every run generated by `run` (a batch of requests, a socket's messages)
 * and sent by `send` leaves no problem. The live session is renewed first if a fuzzed reset ended it.
 * Batch sizes vary with the seed, so rounds go on until the file has sent `floor` requests; a
 * failing round prints its own seed, and `FUZZ_SEED` replays just that round.
 */
export function itFuzzes<T>(title: string, target: () => FuzzTarget, run: Arbitrary<T>, floor: number, send: (target: FuzzTarget, run: T) => Promise<string[]>): void {
  it(
    title,
    async () => {
      const property = asyncProperty(run, async (generated) => {
        await target().refreshLiveSession();
        expect(await send(target(), generated)).toEqual([]);
      });
      // Shrinking a failure whose requests hang takes seconds per try: stop before the test's own
      // timeout, so that the failure is reported with its seed and the smallest case found so far.
      const deadline = Date.now() + PROPERTY_TIMEOUT_MS - REPORT_MARGIN_MS;
      // fast-check 4.10 types the plugin as Plugin<unknown>, which its own Parameters<[unknown]> do not take.
      const inTime = () => [interruptAfterTimeLimit(Math.max(1, deadline - Date.now()), { failOnInterrupt: true }) as Plugin<[unknown]>];
      if (process.env.FUZZ_SEED) {
        await fcAssert(property, { ...fuzzParameters(ROUND_RUNS), plugins: inTime() });
        return;
      }
      while (target().requests < floor) await fcAssert(property, { numRuns: ROUND_RUNS, plugins: inTime() });
    },
    PROPERTY_TIMEOUT_MS,
  );
}

/** A fuzz file's last test: the server is healthy after the fuzz, which sent at least `floor` requests. */
export function itEndsHealthy(target: () => FuzzTarget, floor: number): void {
  it(`is healthy afterwards, having answered its share (at least ${floor}) of the 10,000 requests`, async () => {
    await target().expectHealthy();
    expect(target().requests).toBeGreaterThanOrEqual(floor);
  });
}
