import type { AddressInfo } from 'node:net';
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import { initTRPC, tracked, TRPCError } from '@trpc/server';
import { applyWSSHandler, jsonEncoder, type Encoder } from '@trpc/server/adapters/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { sharedPayloadEncoder } from '../../src/server/http/ws-encoder.js';
import { shareJson, sharedJsonOf } from '../../src/server/realtime/shared-json.js';

/** Counts how often it is serialised: once by shareJson, never again by the encoder. */
let serialisations = 0;
const shared = shareJson({
  type: 'chat.message',
  message: { text: 'héllo "quoted" \\ \u2028 😀', at: '2026-11-29T20:00:00.000Z', files: [1, null, 'x'], size: 1.5e-7, none: null },
  toJSON(this: Record<string, unknown>) {
    serialisations += 1;
    return { type: this.type, message: this.message };
  },
});
const notShared = { type: 'file.added', file: { id: 'f', name: 'a.txt' } };

const t = initTRPC.create();
const router = t.router({
  hello: t.procedure.query(() => ({ text: 'hi', n: 1 })),
  refuse: t.procedure.mutation(() => {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'no' });
  }),
  events: t.procedure.subscription(async function* () {
    const values = [tracked('1764446400000-0', shared), shared, tracked('1764446400000-1', notShared), notShared, tracked('1764446400000-2', shared)];
    // One at a time, as a feed gives them.
    for (const value of values) yield await Promise.resolve(value);
  }),
});

/** Every message tRPC's adapter hands its encoder, as it handed it. */
const handed: unknown[] = [];
const recording: Encoder = {
  encode(message) {
    handed.push(message);
    return sharedPayloadEncoder.encode(message);
  },
  decode: (data) => sharedPayloadEncoder.decode(data),
};

let wss: WebSocketServer;
let url: string;
let broadcastReconnect: () => void;
beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  broadcastReconnect = applyWSSHandler({ wss, router, experimental_encoder: recording }).broadcastReconnectNotification;
});
afterAll(async () => {
  await new Promise((resolve) => { wss.close(resolve); });
});

/** Sends raw requests (string ids, jsonrpc) and collects the frames until `until` says enough. */
async function rawExchange(requests: object[], until: (frames: string[]) => boolean): Promise<string[]> {
  const socket = new WebSocket(url);
  const frames: string[] = [];
  await new Promise((resolve) => socket.once('open', resolve));
  const done = new Promise<void>((resolve) => {
    socket.on('message', (data: Buffer) => {
      frames.push(data.toString('utf8'));
      if (until(frames)) resolve();
    });
  });
  for (const request of requests) socket.send(JSON.stringify(request));
  await done;
  socket.close();
  return frames;
}

function kindOf(message: unknown): string {
  const parsed = JSON.parse(jsonEncoder.encode(message) as string) as { method?: string; error?: unknown; result?: { type: string } };
  return parsed.method ?? (parsed.error ? 'error' : (parsed.result?.type ?? 'unknown'));
}

describe('the shared-payload WebSocket encoder', () => {
  it('gives a real tRPC client exactly what it subscribed to, in order, with its tracked ids', async () => {
    const wsClient = createWSClient({ url, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket });
    const client = createTRPCClient<typeof router>({ links: [wsLink({ client: wsClient })] });
    const received: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      client.events.subscribe(undefined, { onData: (data) => received.push(data), onComplete: resolve, onError: reject });
    });
    await expect(client.hello.query()).resolves.toEqual({ text: 'hi', n: 1 });
    await expect(client.refuse.mutate()).rejects.toThrow('no');
    await wsClient.close();

    const plain = JSON.parse(JSON.stringify(shared)) as unknown;
    expect(received).toEqual([
      { id: '1764446400000-0', data: plain },
      plain,
      { id: '1764446400000-1', data: notShared },
      notShared,
      { id: '1764446400000-2', data: plain },
    ]);
  });

  it('serialises a shared payload once, however many messages carry it', () => {
    const before = serialisations;
    const envelopes = Array.from({ length: 100 }, (_, id) => ({ id, jsonrpc: '2.0', result: { type: 'data', data: { id: 'e', data: shared }, id: 'e' } }));
    for (const envelope of envelopes) sharedPayloadEncoder.encode(envelope);
    expect(serialisations).toBe(before);
  });

  it('writes byte for byte what tRPC’s default encoder writes, for every message the adapter sent', async () => {
    const frames = await rawExchange(
      [
        { id: 'sub-"1"', jsonrpc: '2.0', method: 'subscription', params: { path: 'events', input: undefined } },
        { id: 7, method: 'query', params: { path: 'hello', input: undefined } },
        { id: 8, method: 'mutation', params: { path: 'refuse', input: undefined } },
        { id: 9, method: 'query', params: { path: 'missing', input: undefined } },
      ],
      (seen) => seen.filter((frame) => frame.includes('"stopped"')).length === 1 && seen.length >= 10,
    );
    broadcastReconnect();
    expect(frames.some((frame) => frame.includes('"id":"sub-\\"1\\"","jsonrpc":"2.0","result":{"type":"data"'))).toBe(true);
    // Every kind of message the adapter sends went through it: answers and subscription data
    // (shared or not, tracked or not), started, stopped, errors and the reconnect notification.
    expect(new Set(handed.map(kindOf))).toEqual(new Set(['started', 'data', 'stopped', 'error', 'reconnect']));
    for (const message of handed) expect(sharedPayloadEncoder.encode(message)).toBe(jsonEncoder.encode(message));
  });

  it('passes every message without a shared payload to tRPC’s encoder unchanged', () => {
    const messages = [
      { id: null, method: 'reconnect' },
      { id: 1, result: { type: 'started' } },
      { id: 1, result: { type: 'data', data: { id: '1-0', data: notShared }, id: '1-0' } },
      { id: 1, error: { code: -32600, message: 'no', data: { path: undefined } } },
      [{ id: 1, result: { type: 'data', data: shared } }],
      'PONG',
    ];
    for (const message of messages) expect(sharedPayloadEncoder.encode(message)).toBe(jsonEncoder.encode(message));
    expect(sharedPayloadEncoder.decode('{"id":1,"method":"query"}')).toEqual(jsonEncoder.decode('{"id":1,"method":"query"}'));
  });
});

describe('shared JSON', () => {
  it('freezes the value all the way down and remembers its JSON text', () => {
    const value = shareJson({ a: { b: [1, { c: 'd' }] } });
    expect(Object.isFrozen(value.a.b[1])).toBe(true);
    expect(sharedJsonOf(value)).toBe('{"a":{"b":[1,{"c":"d"}]}}');
    expect(sharedJsonOf({ a: 1 })).toBeUndefined();
    expect(sharedJsonOf('text')).toBeUndefined();
  });
});
