import net from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TRPC_MAX_BATCH, TRPC_MAX_BODY_BYTES } from '../../src/shared/limits.js';
import { useTestApp, type TestApp } from '../support/test-app.js';
import { expectActionableMessage } from '../support/api-errors.js';
import { FOREIGN_ORIGIN, GENEROUS_LIMITS, UNKNOWN_SESSION_ID } from '../support/api-requests.js';

/** What came back on a raw connection before the server closed it (or `wait` ran out). */
function rawExchange(url: string, request: string, opts: { resetAfterWrite?: boolean; waitMs?: number } = {}): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    const finish = () => { resolve(Buffer.concat(chunks).toString('latin1')); };
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', finish);
    socket.on('close', finish);
    socket.write(request, () => {
      if (opts.resetAfterWrite) socket.resetAndDestroy();
    });
    setTimeout(() => { socket.destroy(); }, opts.waitMs ?? 2000).unref();
  });
}

function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
}

function jsonBodyOf(answer: string): unknown {
  return JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as unknown;
}

async function expectHealthy(t: TestApp): Promise<void> {
  const response = await fetch(`${t.url}/healthz`);
  expect(response.status).toBe(200);
}

function upgradeRequest(path: string, headers: Record<string, string> = {}): string {
  const lines = Object.entries({ host: '127.0.0.1', connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers });
  return `GET ${path} HTTP/1.1\r\n${lines.map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n`;
}

/** Opens a WebSocket and resolves with how it closed. */
function wsClose(url: string, send: (ws: WebSocket) => void, headers: Record<string, string> = {}): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/trpc`, { headers });
    ws.on('open', () => { send(ws); });
    ws.on('error', reject);
    ws.on('close', (code, reason) => { resolve({ code, reason: reason.toString() }); });
  });
}

describe('the host stays up under hostile requests', () => {
  const t = useTestApp({
    env: { ...GENEROUS_LIMITS, WS_MAX_PER_IP: '3' },
    overrides: { timeouts: { headersMs: 400, webSocketHandshakeMs: 300 } },
  });

  describe('request targets that are no URL (item 1)', () => {
    for (const target of ['//a:99999/', 'http://a:99999/', '*', 'http://[::1/']) {
      it(`answers GET ${target} with 400 and the usual JSON error`, async () => {
        const answer = await rawExchange(t.url, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        expect(statusOf(answer)).toBe(400);
        const body = jsonBodyOf(answer) as { error: { code: string; message: string; requestId: string } };
        expect(body.error.code).toBe('BAD_REQUEST');
        expectActionableMessage(body.error.message);
        await expectHealthy(t);
      });
    }

    it('serves an absolute-form target by its path, as HTTP/1.1 requires', async () => {
      const answer = await rawExchange(t.url, `GET http://example.com/healthz HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n`);
      expect(statusOf(answer)).toBe(200);
    });

    it('refuses an upgrade to such a target with 400, and one with a malformed Host without crashing', async () => {
      expect(statusOf(await rawExchange(t.url, upgradeRequest('//a:99999/')))).toBe(400);
      await rawExchange(t.url, upgradeRequest('/api/trpc', { host: 'a:99999' }), { waitMs: 500 });
      // Bytes that are no WebSocket frame, right behind the handshake of a socket tRPC could not set up.
      for (const host of ['a:99999', '']) {
        await rawExchange(t.url, `${upgradeRequest('/api/trpc', { host })}not a frame`, { waitMs: 500 });
      }
      await expectHealthy(t);
    });
  });

  describe('refused upgrades whose client resets the connection (item 2)', () => {
    it('survives resets after a wrong path, a foreign Origin and the per-IP limit', async () => {
      const open: WebSocket[] = [];
      for (let i = 0; i < 3; i += 1) {
        const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/api/trpc`);
        await new Promise((resolve) => ws.once('open', resolve));
        ws.send(JSON.stringify({ id: i + 1, method: 'subscription.stop' }));
        open.push(ws);
      }
      for (let round = 0; round < 20; round += 1) {
        await rawExchange(t.url, upgradeRequest('/not-here'), { resetAfterWrite: true, waitMs: 200 });
        await rawExchange(t.url, upgradeRequest('/api/trpc', { origin: FOREIGN_ORIGIN }), { resetAfterWrite: true, waitMs: 200 });
        await rawExchange(t.url, upgradeRequest('/api/trpc'), { resetAfterWrite: true, waitMs: 200 });
      }
      expect(statusOf(await rawExchange(t.url, upgradeRequest('/api/trpc')))).toBe(429);
      for (const ws of open) ws.close();
      await expectHealthy(t);
    });

    it('lets go of a refused upgrade that carried a body once its client is done', async () => {
      const { port } = new URL(t.url);
      const openConnections = () => new Promise<number>((resolve, reject) => {
        t.app.server.getConnections((error, count) => { if (error) reject(error); else resolve(count); });
      });
      const before = await openConnections();
      const closed = await new Promise<{ answer: string }>((resolve) => {
        const socket = net.connect(Number(port), '127.0.0.1');
        const chunks: Buffer[] = [];
        socket.on('data', (chunk) => chunks.push(chunk));
        socket.on('close', () => { resolve({ answer: Buffer.concat(chunks).toString('latin1') }); });
        socket.end(upgradeRequest('/healthz', { 'content-length': '70000' }) + 'x'.repeat(70_000));
      });
      expect(statusOf(closed.answer)).toBe(404);
      // Well within the linger that would cut it anyway: the server must see the client's FIN behind the unread body.
      await expect.poll(openConnections, { timeout: 2000, interval: 50 }).toBeLessThanOrEqual(before);
      await expectHealthy(t);
    });
  });

  describe('request bodies and batches (item 4)', () => {
    it(`refuses a body declared over ${TRPC_MAX_BODY_BYTES} bytes with 413 before reading it`, async () => {
      const answer = await rawExchange(
        t.url,
        `POST /api/trpc/session.validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 400000000\r\n\r\n{"sessionId":"`,
      );
      expect(statusOf(answer)).toBe(413);
      const body = jsonBodyOf(answer) as { error: { message: string; data: { code: string } } };
      expect(body.error.data.code).toBe('PAYLOAD_TOO_LARGE');
      expectActionableMessage(body.error.message);
    });

    it('refuses a chunked body once it grows past the limit', async () => {
      const response = await fetch(`${t.url}/api/trpc/session.validate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new Blob([`{"sessionId":"${'a'.repeat(TRPC_MAX_BODY_BYTES * 2)}"}`]).stream(),
        duplex: 'half',
      } as RequestInit);
      expect(response.status).toBe(413);
    });

    it(`refuses a batch of more than ${TRPC_MAX_BATCH} calls with 400`, async () => {
      const paths = Array.from({ length: TRPC_MAX_BATCH + 1 }, () => 'session.current').join(',');
      const response = await fetch(`${t.url}/api/trpc/${paths}?batch=1`);
      expect(response.status).toBe(400);
      const within = await fetch(`${t.url}/api/trpc/${Array.from({ length: TRPC_MAX_BATCH }, () => 'session.current').join(',')}?batch=1`);
      expect(within.status).toBe(200);
    });

    it('closes a WebSocket whose message carries too many calls, or is over the size limit', async () => {
      const calls = Array.from({ length: 51 }, (_, i) => ({ id: i + 1, method: 'query', params: { path: 'session.current', input: null } }));
      expect((await wsClose(t.url, (ws) => { ws.send(JSON.stringify(calls)); })).code).toBe(1009);
      expect((await wsClose(t.url, (ws) => { ws.send('x'.repeat(TRPC_MAX_BODY_BYTES + 1)); })).code).toBe(1009);
      await expectHealthy(t);
    });
  });

  describe('streamed batches', () => {
    it('are refused with 400 (procedures set cookies and headers that a streamed answer has already sent)', async () => {
      const response = await fetch(`${t.url}/api/trpc/session.generate?batch=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'trpc-accept': 'application/jsonl' },
        body: '{}',
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { message: string } };
      expect(body.error.message).toMatch(/httpBatchLink/);
      expectActionableMessage(body.error.message);
      await expectHealthy(t);
    });
  });

  describe('subscriptions over plain HTTP (item 6)', () => {
    it('refuses an event-stream request with 405 and says to use the WebSocket', async () => {
      const input = encodeURIComponent(JSON.stringify({ sessionId: UNKNOWN_SESSION_ID }));
      const response = await fetch(`${t.url}/api/trpc/session.events?input=${input}`, { headers: { accept: 'text/event-stream' } });
      expect(response.status).toBe(405);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as { error: { message: string; data: { code: string } } };
      expect(body.error.data.code).toBe('METHOD_NOT_SUPPORTED');
      expect(body.error.message).toMatch(/WebSocket/);
      expectActionableMessage(body.error.message);
    });
  });

  describe('slow clients (item 8)', () => {
    it('closes a connection whose headers never finish', async () => {
      const answer = await rawExchange(t.url, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', { waitMs: 5000 });
      expect(statusOf(answer)).toBe(408);
    });

    it('closes a WebSocket that never sends a request', async () => {
      const closed = await wsClose(t.url, () => undefined);
      expect(closed.code).toBe(1008);
    });
  });
});

describe('WS_MAX_PER_IP counts an IPv6 client by its /64, as the rate limits do (item 14)', () => {
  const t = useTestApp({ env: { ...GENEROUS_LIMITS, WS_MAX_PER_IP: '2', TRUST_PROXY: 'loopback' } });

  function connectAs(ip: string): Promise<{ ws?: WebSocket; status?: number }> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/api/trpc`, { headers: { 'x-forwarded-for': ip } });
      ws.once('open', () => { resolve({ ws }); });
      ws.once('unexpected-response', (_req, res) => { resolve({ status: res.statusCode }); });
    });
  }

  it('refuses a third socket from another address of the same /64, and lets another /64 in', async () => {
    const first = await connectAs('2001:db8:0:1::1');
    const second = await connectAs('2001:db8:0:1::2');
    expect([first.ws, second.ws].every(Boolean)).toBe(true);
    expect((await connectAs('2001:db8:0:1:ffff::3')).status).toBe(429);
    const elsewhere = await connectAs('2001:db8:0:2::1');
    expect(elsewhere.ws).toBeDefined();
    for (const opened of [first, second, elsewhere]) opened.ws?.close();
  });
});
