/**
 * The JSON calls handler (src/server/http/trpc-json-calls.ts) against tRPC's own node-http
 * adapter: the same router, the same requests, the same answers. One server answers as the app's
 * route does (the handler, and the adapter for what it leaves), the other through the adapter alone.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { initTRPC, TRPCError } from '@trpc/server';
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { answerHeaders } from '../../src/server/http/trpc-route.js';
import { createJsonCalls } from '../../src/server/http/trpc-json-calls.js';

interface Ctx {
  requestId: string;
}

const t = initTRPC.context<Ctx>().create({
  isDev: false,
  sse: { enabled: false },
  // The context and the cause reach the shape: both sides must hand the formatter the same ones.
  errorFormatter: ({ shape, ctx, error, input, type }) => ({
    ...shape,
    data: { ...shape.data, requestId: ctx?.requestId ?? null, cause: error.cause?.message ?? null, input: input ?? null, type },
  }),
});

const router = t.router({
  q: t.router({
    echo: t.procedure.input(z.object({ n: z.number() })).query(({ input }) => input),
    nothing: t.procedure.query(() => undefined),
    stream: t.procedure.query(() => ({ later: Promise.resolve(1) })),
  }),
  m: t.router({
    add: t.procedure.input(z.object({ a: z.number(), b: z.number() })).mutation(({ input }) => ({ sum: input.a + input.b })),
    boom: t.procedure.mutation(() => {
      throw new Error('a secret the client must not see');
    }),
    refuse: t.procedure.input(z.unknown()).mutation(() => {
      throw new TRPCError({ code: 'FORBIDDEN', message: 'Not yours.' });
    }),
  }),
  events: t.procedure.subscription(async function* () {
    yield await Promise.resolve(1);
  }),
});

const MAX_BODY = 512;
const MAX_BATCH = 3;
const PREFIX = '/trpc/';

interface Reported {
  code: string;
  path: string | undefined;
}

/** A server whose route is built by `route`, with every error its onError hears. */
async function serve(route: (req: http.IncomingMessage, res: http.ServerResponse, path: string, url: URL, ctx: () => Ctx, report: (r: Reported) => void) => Promise<void>) {
  const reported: Reported[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const requestId = req.headers['x-request-id'] as string;
    const createContext = (): Ctx => {
      if (req.headers['x-fail-context']) throw new Error('the context could not be made');
      return { requestId };
    };
    void route(req, res, url.pathname.slice(PREFIX.length), url, createContext, (entry) => reported.push(entry));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, reported, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const adapter = (req: http.IncomingMessage, res: http.ServerResponse, path: string, _url: URL, createContext: () => Ctx, report: (r: Reported) => void) =>
  nodeHTTPRequestHandler({
    req,
    res,
    path,
    router,
    maxBodySize: MAX_BODY,
    maxBatchSize: MAX_BATCH,
    createContext,
    responseMeta: ({ errors }) => ({ headers: new Headers(answerHeaders(errors)) }),
    onError: ({ error, path: failed }) => { report({ code: error.code, path: failed }); },
  });

const jsonCalls = createJsonCalls({ router, maxBodyBytes: MAX_BODY, maxBatch: MAX_BATCH, headersFor: answerHeaders });

interface Exchange {
  method: 'GET' | 'POST';
  /** The path after the prefix, as sent. */
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  body: string | undefined;
  failContext: boolean;
}

interface Answer {
  status: number;
  headers: Record<string, string | null>;
  body: unknown;
  reported: Reported[];
}

const COMPARED_HEADERS = ['content-type', 'vary', 'connection', 'x-host'];

async function send(target: { url: string; reported: Reported[] }, exchange: Exchange, requestId: string): Promise<Answer> {
  target.reported.length = 0;
  const url = new URL(`${target.url}${PREFIX}${exchange.path}`);
  for (const [name, value] of Object.entries(exchange.query)) url.searchParams.set(name, value);
  const headers: Record<string, string> = { 'x-request-id': requestId };
  if (exchange.contentType !== undefined) headers['content-type'] = exchange.contentType;
  if (exchange.failContext) headers['x-fail-context'] = '1';
  const response = await fetch(url, { method: exchange.method, headers, body: exchange.body });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // compared as text
  }
  return {
    status: response.status,
    headers: Object.fromEntries(COMPARED_HEADERS.map((name) => [name, response.headers.get(name)])),
    body,
    reported: [...target.reported].sort((a, b) => `${a.path}${a.code}`.localeCompare(`${b.path}${b.code}`)),
  };
}

const QUERIES = ['q.echo', 'q.nothing', 'q.stream'];
const MUTATIONS = ['m.add', 'm.boom', 'm.refuse'];
const ODD_PATHS = ['nope', 'q', 'toString', '__proto__', 'events', ''];

/** Paths that mostly fit the method (so that procedures run and read their input), sometimes anything. */
const pathsFor = (method: 'GET' | 'POST') => {
  const fitting = fc.constantFrom(...(method === 'GET' ? QUERIES : MUTATIONS));
  const any = fc.constantFrom(...QUERIES, ...MUTATIONS, ...ODD_PATHS);
  const path = fc.oneof({ arbitrary: fitting, weight: 4 }, { arbitrary: any, weight: 1 });
  return fc.oneof({ arbitrary: fc.tuple(path), weight: 3 }, { arbitrary: fc.array(path, { minLength: 2, maxLength: 4 }), weight: 2 });
};

const json = fc.oneof(
  fc.record({ n: fc.integer() }).map((value) => value as unknown),
  fc.record({ a: fc.integer(), b: fc.integer() }).map((value) => value as unknown),
  fc.jsonValue(),
);

/** Bodies and query inputs that are not what a client would build: empty, broken, a BOM, too large. */
const RAW = ['', '{', 'null', '[1,2]', '"text"', '\uFEFF{"0":{"a":1,"b":2}}', '\uFEFF{"a":1,"b":2}', 'x'.repeat(MAX_BODY + 1), JSON.stringify({ a: 'x'.repeat(MAX_BODY) })];

const exchange: fc.Arbitrary<Exchange> = fc
  .constantFrom('GET' as const, 'POST' as const)
  .chain((method) =>
    fc.record({
      method: fc.constant(method),
      batch: fc.oneof({ arbitrary: fc.constant('1'), weight: 3 }, { arbitrary: fc.constantFrom('0', 'true', undefined), weight: 2 }),
      paths: pathsFor(method),
      encodePath: fc.boolean(),
      brokenEscape: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
      inputs: fc.array(fc.option(json, { nil: undefined }), { maxLength: 4 }),
      raw: fc.option(fc.constantFrom(...RAW), { nil: undefined, freq: 2 }),
      contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', undefined, 'text/plain'),
      failContext: fc.boolean(),
    }),
  )
  .map(({ method, batch, paths, encodePath, brokenEscape, inputs, raw, contentType, failContext }): Exchange => {
    const isBatch = batch === '1';
    let path = paths.join(',');
    if (encodePath) path = encodeURIComponent(path);
    if (brokenEscape) path = `${path}%E0%A4%A`;
    const value = isBatch ? Object.fromEntries(inputs.flatMap((input, index) => (input === undefined ? [] : [[String(index), input]]))) : inputs[0];
    const text = raw ?? (value === undefined ? undefined : JSON.stringify(value));
    const query: Record<string, string> = {};
    if (batch !== undefined) query.batch = batch;
    if (method === 'GET' && text !== undefined) query.input = text;
    return { method, path, query, contentType: method === 'GET' ? (contentType === 'text/plain' ? undefined : contentType) : contentType, body: method === 'POST' ? text : undefined, failContext };
  });

describe('tRPC JSON calls, answered without the Fetch round trip', () => {
  let ours: Awaited<ReturnType<typeof serve>>;
  let theirs: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    ours = await serve(async (req, res, path, url, createContext, report) => {
      const answered = await jsonCalls.answer(req, res, { path, url, createContext, onError: (error, failed) => { report({ code: error.code, path: failed }); } });
      if (!answered) {
        res.setHeader('x-host', 'adapter');
        await adapter(req, res, path, url, createContext, report);
      }
    });
    theirs = await serve(adapter);
  });

  afterAll(async () => {
    for (const { server } of [ours, theirs]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('answers every JSON call as tRPC\'s adapter does: status, headers, body and what onError hears', async () => {
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(exchange, async (call) => {
        requests += 1;
        const requestId = `r${requests}`;
        const mine = await send(ours, call, requestId);
        const expected = await send(theirs, call, requestId);
        // Two things may differ: which part answered, and the type of a whole-request error, which
        // the adapter leaves to Fetch's default for a string body (text/plain) though it is JSON.
        if (expected.headers['content-type'] === 'text/plain;charset=UTF-8' && mine.headers['x-host'] === null) expected.headers['content-type'] = 'application/json';
        expect({ ...mine, headers: { ...mine.headers, 'x-host': null } }).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('answers a call whose client left before its body was read, instead of waiting for a body that never comes', async () => {
    const reported: Reported[] = [];
    const server = http.createServer((req, res) => {
      // The procedure asks for its input only after the client has gone.
      req.once('close', () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        void jsonCalls
          .answer(req, res, { path: 'm.add', url, createContext: () => ({ requestId: 'gone' }), onError: (error, path) => { reported.push({ code: error.code, path }); } })
          .then((answered) => { server.emit('answered', answered); });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const answered = new Promise<boolean>((resolve) => server.once('answered', resolve));
      const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(`POST ${PREFIX}m.add HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":1`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      socket.destroy();
      expect(await answered).toBe(true);
      expect(reported).toEqual([{ code: 'BAD_REQUEST', path: 'm.add' }]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('leaves to the adapter what it does not answer, having written nothing', async () => {
    const left: Exchange[] = [
      { method: 'GET', path: 'q.echo%E0%A4%A', query: {}, contentType: undefined, body: undefined, failContext: false },
      { method: 'POST', path: 'm.add', query: {}, contentType: 'text/plain', body: '{"a":1,"b":2}', failContext: false },
      { method: 'POST', path: 'm.add', query: {}, contentType: undefined, body: '{"a":1,"b":2}', failContext: false },
      { method: 'GET', path: 'q.echo', query: { input: '{"n":1}', connectionParams: '{}' }, contentType: undefined, body: undefined, failContext: false },
      { method: 'GET', path: 'events', query: {}, contentType: undefined, body: undefined, failContext: false },
    ];
    for (const call of left) {
      const answer = await send(ours, call, 'left');
      expect(answer.headers['x-host'], `${call.method} ${call.path} ${JSON.stringify(call.query)}`).toBe('adapter');
    }
    const answered = await send(ours, { method: 'POST', path: 'm.add', query: {}, contentType: 'application/json', body: '{"a":1,"b":2}', failContext: false }, 'answered');
    expect(answered.headers['x-host']).toBeNull();
    expect(answered.body).toEqual({ result: { data: { sum: 3 } } });
  });
});
