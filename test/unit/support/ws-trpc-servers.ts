import type { AddressInfo } from 'node:net';
import { initTRPC, tracked, TRPCError } from '@trpc/server';
import { applyWSSHandler, jsonEncoder } from '@trpc/server/adapters/ws';
import WebSocket, { WebSocketServer } from 'ws';
import { z } from 'zod';
import { createTrpcWsHandler, type TrpcSocket } from '../../../src/server/http/ws-trpc-handler.js';

/** What a test server's context holds: who the connection parameters say the client is. */
export interface Who {
  who: string;
}

/** Calls one message may carry on the handler under test (tRPC's adapter has no bound). */
export const TEST_MAX_BATCH = 5;

/** What the test procedures record of the iterators they hand out: what was asked of them, in order. */
export const iteratorLog: string[] = [];

const t = initTRPC.context<Who>().create({
  isDev: false,
  // The context reaches the formatter: an error says whose call it answers.
  errorFormatter: ({ shape, ctx }) => ({ ...shape, data: { ...shape.data, who: ctx?.who ?? null } }),
});

/**
 * An iterator that says when it is made (and whether its procedure was handed a signal), asked for
 * a value or returned, and gives nothing until returned.
 */
function idleIterator(name: string, signal: AbortSignal | undefined): AsyncIterableIterator<never> {
  let wake: ((step: IteratorResult<never>) => void) | undefined;
  const done: IteratorResult<never> = { done: true, value: undefined };
  iteratorLog.push(`${name}: made${signal ? ' with a signal' : ''}`);
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      iteratorLog.push(`${name}: next`);
      return new Promise((resolve) => { wake = resolve; });
    },
    return() {
      iteratorLog.push(`${name}: return`);
      wake?.(done);
      return Promise.resolve(done);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A value many subscriptions are sent, frozen as the event bus freezes what it shares. */
export const SHARED_VALUE = Object.freeze({ type: 'shared', text: 'the same for everyone', list: Object.freeze([1, 'two', null]) });

/** How many messages the handler under test has encoded, to see what it encodes once for many sockets. */
export const encodings = { count: 0 };

export const testRouter = t.router({
  hello: t.procedure.query(({ ctx }) => ({ text: 'hi', who: ctx.who })),
  refuse: t.procedure.mutation(() => {
    throw new TRPCError({ code: 'CONFLICT', message: 'not now' });
  }),
  echo: t.procedure.input(z.unknown()).query(({ input }) => ({ input })),
  slowQuery: t.procedure.query(async () => {
    await sleep(30);
    return 'slow';
  }),
  iterableQuery: t.procedure.query(async function* () {
    yield await Promise.resolve(1);
  }),
  ticks: t.procedure.input(z.object({ count: z.number(), lastEventId: z.string().optional() }).optional()).subscription(async function* ({ input }) {
    const from = Number(input?.lastEventId ?? 0);
    for (let i = from + 1; i <= from + (input?.count ?? 3); i++) yield await Promise.resolve(tracked(String(i), { tick: i, input }));
  }),
  /** Tracked events every 20 ms, from the one after `lastEventId`, until its signal aborts. */
  stream: t.procedure.input(z.object({ lastEventId: z.string().optional() }).optional()).subscription(async function* ({ input, signal }) {
    for (let i = Number(input?.lastEventId ?? 0) + 1; signal?.aborted !== true; i++) {
      await sleep(20);
      yield tracked(String(i), i);
    }
  }),
  shared: t.procedure.subscription(async function* () {
    yield await Promise.resolve(tracked('1', SHARED_VALUE));
    yield SHARED_VALUE;
  }),
  plain: t.procedure.subscription(async function* () {
    yield await Promise.resolve('one');
    yield { two: 2 };
  }),
  failing: t.procedure.subscription(async function* () {
    yield await Promise.resolve(tracked('1', 'first'));
    throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'broke after one' });
  }),
  idle: t.procedure.input(z.string()).subscription(({ input, signal }) => idleIterator(input, signal)),
  /** Takes a while before it returns its iterator: a stop or a close can come meanwhile. */
  late: t.procedure.input(z.string()).subscription(async ({ input, signal }) => {
    await sleep(100);
    return idleIterator(input, signal);
  }),
  /** Waits for its signal to abort (an async generator stopped by return() alone would wait for good). */
  waiting: t.procedure.subscription(async function* ({ signal }) {
    await new Promise((resolve) => signal?.addEventListener('abort', resolve));
    yield 'aborted';
  }),
  /** Whether the procedure was handed a signal. */
  signalled: t.procedure.subscription(async function* ({ signal }) {
    yield await Promise.resolve(signal !== undefined);
  }),
  notIterable: t.procedure.subscription(() => 42 as unknown as AsyncIterable<never>),
  strict: t.procedure.input(z.object({ n: z.number() })).subscription(async function* () {
    yield await Promise.resolve(1);
  }),
  whoami: t.procedure.subscription(async function* ({ ctx }) {
    yield await Promise.resolve(ctx.who);
  }),
});

/** Wraps every value it serializes, so that a transformer left out (or applied twice) shows in the bytes. */
const taggingTransformer = {
  serialize: (value: unknown) => ({ tagged: value }),
  // A call without input carries none to unwrap.
  deserialize: (value: unknown) => (value as { tagged: unknown } | undefined)?.tagged,
};

const tt = initTRPC.context<Who>().create({ isDev: false, transformer: taggingTransformer });

/** A router with a transformer: answers, errors and subscription data all go through it. */
export const transformingRouter = tt.router({
  hello: tt.procedure.query(({ ctx }) => ({ text: 'hi', who: ctx.who })),
  refuse: tt.procedure.mutation(() => {
    throw new TRPCError({ code: 'CONFLICT', message: 'not now' });
  }),
  echo: tt.procedure.input(z.unknown()).query(({ input }) => ({ input })),
  ticks: tt.procedure.subscription(async function* () {
    yield await Promise.resolve(tracked('1', { tick: 1 }));
    yield { plain: true };
  }),
});

type TestRouter = typeof testRouter | typeof transformingRouter;

export interface TestServer {
  url: string;
  /** Every frame the server received, as text, in order. */
  received: string[];
  /** tRPC's reconnect notification to every client. */
  askToReconnect(): void;
  /** Open sockets. */
  readonly clients: number;
  close(): Promise<void>;
}

async function listen(wss: WebSocketServer): Promise<string> {
  await new Promise((resolve) => wss.once('listening', resolve));
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
}

function serverOf(wss: WebSocketServer, url: string, askToReconnect: () => void): TestServer {
  const received: string[] = [];
  wss.on('connection', (socket) => { socket.on('message', (data: Buffer) => { received.push(data.toString('utf8')); }); });
  return {
    url,
    received,
    askToReconnect,
    get clients() {
      return wss.clients.size;
    },
    close: () => new Promise((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close(() => { resolve(); });
    }),
  };
}

/** tRPC's own adapter, as the reference: what the handler must answer like. */
export async function startTrpcAdapter(router: TestRouter = testRouter): Promise<TestServer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  const handler = applyWSSHandler({
    wss,
    router,
    createContext: ({ info }) => ({ who: info.connectionParams?.who ?? 'anonymous' }),
  });
  return serverOf(wss, await listen(wss), handler.broadcastReconnectNotification);
}

class TestSocket extends WebSocket implements TrpcSocket {
  trpc: TrpcSocket['trpc'] = undefined;
}

/** The handler under test, on the same router. */
export async function startOwnHandler(router: TestRouter = testRouter): Promise<TestServer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', WebSocket: TestSocket });
  const handler = createTrpcWsHandler<Who>({
    router,
    encoder: {
      encode: (message) => {
        encodings.count += 1;
        return jsonEncoder.encode(message);
      },
      decode: (data) => jsonEncoder.decode(data),
    },
    isSharedValue: (value) => value === SHARED_VALUE,
    // Their iterators end a waiting next() when returned; every other subscription gets a signal.
    stopsOnReturn: (path) => path === 'idle' || path === 'late',
    maxBatch: TEST_MAX_BATCH,
    withConnectionParams: (ctx, params) => (params?.who ? { who: params.who } : ctx),
    onError: () => undefined,
  });
  wss.on('connection', (socket, req) => {
    const expectsParams = new URL(req.url ?? '/', 'http://localhost').searchParams.get('connectionParams') === '1';
    handler.serve(socket, { who: 'anonymous' }, expectsParams);
  });
  return serverOf(wss, await listen(wss), () => { handler.askToReconnect(wss.clients); });
}
