import { createTRPCClient, createWSClient, wsLink, type TRPCClientError, type WebSocketClientOptions } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually } from '../support/eventually.js';
import { iteratorLog, startOwnHandler, startTrpcAdapter, testRouter, type TestServer } from './support/ws-trpc-servers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  ['tRPC’s own adapter', startTrpcAdapter],
  ['the WebSocket handler', startOwnHandler],
])('@trpc/client’s wsLink, unchanged, against %s', (_server, start) => {
  let server: TestServer;
  const clients: { close(): Promise<void> }[] = [];
  beforeAll(async () => { server = await start(); });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await server.close();
  });

  function connect(options: Partial<WebSocketClientOptions> = {}) {
    const wsClient = createWSClient({ url: server.url, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket, retryDelayMs: () => 50, ...options });
    clients.push(wsClient);
    return { wsClient, trpc: createTRPCClient<typeof testRouter>({ links: [wsLink({ client: wsClient })] }) };
  }

  it('opens lazily on the first call, closes when idle, and opens again', async () => {
    const { trpc } = connect({ lazy: { enabled: true, closeMs: 200 } });
    await sleep(100);
    expect(server.clients).toBe(0);
    await expect(trpc.hello.query()).resolves.toEqual({ text: 'hi', who: 'anonymous' });
    expect(server.clients).toBe(1);
    await eventually(() => server.clients === 0, 3000, 'closed when idle');
    await expect(trpc.hello.query()).resolves.toEqual({ text: 'hi', who: 'anonymous' });
  });

  it('keeps an idle connection open with PING and PONG', async () => {
    let closes = 0;
    const { wsClient, trpc } = connect({ keepAlive: { enabled: true, intervalMs: 40, pongTimeoutMs: 150 }, onClose: () => { closes += 1; } });
    await trpc.hello.query();
    const pings = () => server.received.filter((frame) => frame === 'PING').length;
    const before = pings();
    await sleep(600);
    expect(pings()).toBeGreaterThan(before + 3);
    expect(closes).toBe(0);
    await expect(trpc.hello.query()).resolves.toEqual({ text: 'hi', who: 'anonymous' });
    await wsClient.close();
  });

  it('sends its connection parameters first; errors are shaped by the router’s error formatter', async () => {
    const { wsClient, trpc } = connect({ connectionParams: { who: 'carol' } });
    await expect(trpc.hello.query()).resolves.toEqual({ text: 'hi', who: 'carol' });
    const error = await trpc.refuse.mutate().catch((caught: unknown) => caught as TRPCClientError<typeof testRouter>);
    expect(error.message).toBe('not now');
    expect(error.data).toMatchObject({ code: 'CONFLICT', who: 'carol' });
    await wsClient.close();
  });

  it('batches the calls made together into one message', async () => {
    const { wsClient, trpc } = connect();
    await trpc.hello.query();
    const from = server.received.length;
    await expect(Promise.all([trpc.hello.query(), trpc.echo.query(1), trpc.echo.query('two')])).resolves.toEqual([{ text: 'hi', who: 'anonymous' }, { input: 1 }, { input: 'two' }]);
    expect(server.received.slice(from).map((frame) => (JSON.parse(frame) as unknown[]).length)).toEqual([3]);
    await wsClient.close();
  });

  it('stops a subscription it unsubscribes from: the procedure’s iterator is returned', async () => {
    const { wsClient, trpc } = connect();
    const name = `unsubscribed-${_server}`;
    let started!: () => void;
    const isStarted = new Promise<void>((resolve) => { started = resolve; });
    const subscription = trpc.idle.subscribe(name, { onStarted: () => { started(); } });
    await isStarted;
    subscription.unsubscribe();
    await eventually(() => iteratorLog.includes(`${name}: return`), 3000);
    await wsClient.close();
  });

  it('resumes a tracked subscription after the last event it saw when the server asks it to reconnect', async () => {
    const { wsClient, trpc } = connect();
    const seen: number[] = [];
    const subscription = trpc.stream.subscribe(undefined, { onData: (event) => { seen.push(event.data); } });
    await eventually(() => seen.length >= 3, 5000);
    const resumed = server.received.length;
    server.askToReconnect();
    await eventually(() => seen.length >= 8, 5000);
    subscription.unsubscribe();
    // Every event once, in order, none lost across the reconnection.
    expect(seen).toEqual(seen.map((_, index) => index + 1));
    const calls = server.received.slice(resumed).filter((frame) => frame.startsWith('{') || frame.startsWith('['));
    const resubscribed = calls.flatMap((frame) => JSON.parse(frame) as { params?: { lastEventId?: string } });
    expect(resubscribed.some((message) => message.params?.lastEventId !== undefined)).toBe(true);
    await wsClient.close();
  });
});
