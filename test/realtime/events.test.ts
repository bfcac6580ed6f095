import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { newBrowser } from '../support/browsers.js';
import { startTestApp, useTestApp } from '../support/test-app.js';
import { createWsTestClient } from '../support/ws-client.js';
import { after, recordEvents } from '../support/subscription.js';

const t = useTestApp({ env: { RATE_LIMIT_PER_MINUTE: '1000', WS_MAX_SUBSCRIPTIONS: '5', WS_MAX_PER_IP: '40' } });

describe('session.events', () => {
  it('delivers chat messages, in order, to every subscribed tab', async () => {
    const { client, session, cookie } = await newBrowser(t.url);
    const tabs = [createWsTestClient(t.url, { cookie }), createWsTestClient(t.url, { cookie })];
    const recorders = tabs.map((tab) => recordEvents(tab, { sessionId: session.sessionId }));
    await Promise.all(recorders.map((r) => r.started));
    for (const text of ['one', 'two', 'three']) await client.chat.send.mutate({ sessionId: session.sessionId, text });
    await Promise.all(recorders.map((r) => r.received(3)));
    for (const recorder of recorders) {
      expect(recorder.events.map((e) => (e.data.type === 'chat.message' ? e.data.message.text : e.data.type))).toEqual(['one', 'two', 'three']);
    }
    expect(recorders[0]?.events.map((e) => e.id)).toEqual(recorders[1]?.events.map((e) => e.id));
    await Promise.all(tabs.map((tab) => tab.close()));
  });

  it('replays exactly the missed events, in order, to a tab that returns with lastEventId', async () => {
    const { client, session, cookie } = await newBrowser(t.url);
    const tab = createWsTestClient(t.url, { cookie });
    const first = recordEvents(tab, { sessionId: session.sessionId });
    await first.started;
    await client.chat.send.mutate({ sessionId: session.sessionId, text: 'seen' });
    await first.received(1);
    first.unsubscribe();
    const lastEventId = first.events[0]?.id;
    expect(lastEventId).toBeDefined();

    for (const text of ['missed 1', 'missed 2', 'missed 3']) await client.chat.send.mutate({ sessionId: session.sessionId, text });
    const back = recordEvents(tab, { sessionId: session.sessionId, lastEventId });
    await back.started;
    await client.chat.send.mutate({ sessionId: session.sessionId, text: 'live' });
    await back.received(4);
    await after(200, null);
    const texts = back.events.map((e) => (e.data.type === 'chat.message' ? e.data.message.text : e.data.type));
    expect(texts).toEqual(['missed 1', 'missed 2', 'missed 3', 'live']);
    expect(new Set(back.events.map((e) => e.id)).size).toBe(4);
    await tab.close();
  });

  it('sends the final event when the session is reset, then completes', async () => {
    const { client, session, cookie } = await newBrowser(t.url);
    const tab = createWsTestClient(t.url, { cookie });
    const recorder = recordEvents(tab, { sessionId: session.sessionId });
    await recorder.started;
    const replacement = await client.session.reset.mutate({ sessionId: session.sessionId });
    await recorder.completed;
    expect(recorder.events.map((e) => e.data)).toEqual([
      expect.objectContaining({ type: 'session.reset', sessionId: session.sessionId, newSessionId: replacement.sessionId }),
    ]);
    await tab.close();
  });

  it('completes a subscription to an ended session after its final event', async () => {
    const { client, session, cookie } = await newBrowser(t.url);
    await client.session.reset.mutate({ sessionId: session.sessionId });
    const tab = createWsTestClient(t.url, { cookie });
    const recorder = recordEvents(tab, { sessionId: session.sessionId });
    await recorder.completed;
    expect(recorder.events.map((e) => e.data.type)).toEqual(['session.reset']);
    await tab.close();
  });

  it('gives nothing to a socket without a credential, or with another session’s credential', async () => {
    const owner = await newBrowser(t.url);
    const stranger = await newBrowser(t.url);
    const anonymous = createWsTestClient(t.url);
    const foreign = createWsTestClient(t.url, { cookie: stranger.cookie });
    const a = recordEvents(anonymous, { sessionId: owner.session.sessionId });
    const b = recordEvents(foreign, { sessionId: owner.session.sessionId });
    expect((await a.failed).data?.code).toBe('UNAUTHORIZED');
    expect((await b.failed).data?.code).toBe('FORBIDDEN');
    await owner.client.chat.send.mutate({ sessionId: owner.session.sessionId, text: 'private' });
    await after(200, null);
    expect(a.events).toEqual([]);
    expect(b.events).toEqual([]);
    await Promise.all([anonymous.close(), foreign.close()]);
  });

  it('refuses the upgrade from a foreign origin before any tRPC message, and audits it', async () => {
    const { cookie } = await newBrowser(t.url);
    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`${t.url.replace('http', 'ws')}/api/trpc`, { headers: { origin: 'https://evil.example', cookie } });
      socket.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); });
      socket.on('open', () => { reject(new Error('the upgrade was accepted')); });
      socket.on('error', () => undefined);
    });
    expect(status).toBe(403);
    await after(100, null);
    const rows = await t.app.db.models.AuditLog.findAll({ where: { event: 'origin.rejected' } });
    expect(rows.some((row) => row.metadata.method === 'WEBSOCKET')).toBe(true);
  });

  it('survives a malformed first message and keeps serving the socket', async () => {
    const { session, cookie } = await newBrowser(t.url);
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/api/trpc`, { headers: { cookie } });
    await new Promise((resolve) => socket.once('open', resolve));
    const replies: string[] = [];
    socket.on('message', (data: Buffer) => replies.push(data.toString()));
    socket.send('{not json');
    socket.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'session.nope', input: null } }));
    socket.send(Buffer.from([0, 1, 2, 3]));
    await after(200, null);
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.send(JSON.stringify({ id: 2, method: 'query', params: { path: 'session.current', input: null } }));
    await new Promise<void>((resolve) => { socket.on('message', () => { resolve(); }); });
    const current = replies.map((r) => JSON.parse(r) as { id?: number; result?: { data?: { sessionId?: string } } }).find((r) => r.id === 2);
    expect(current?.result?.data?.sessionId).toBe(session.sessionId);
    socket.close();
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('refuses subscriptions past the per-socket budget with a clear error, keeping the others', async () => {
    const { client, session, cookie } = await newBrowser(t.url);
    const tab = createWsTestClient(t.url, { cookie });
    const recorders = Array.from({ length: 8 }, () => recordEvents(tab, { sessionId: session.sessionId }));
    const refusals = await Promise.all(recorders.map((r) => Promise.race([r.failed, after(500, undefined)])));
    const refused = refusals.filter((error) => error !== undefined);
    expect(refused.map((error) => error.data?.code)).toEqual(['TOO_MANY_REQUESTS', 'TOO_MANY_REQUESTS', 'TOO_MANY_REQUESTS']);
    expect(refused[0]?.message).toMatch(/the most it may hold/);
    await client.chat.send.mutate({ sessionId: session.sessionId, text: 'still here' });
    const live = recorders.filter((_, i) => refusals[i] === undefined);
    expect(live).toHaveLength(5);
    await Promise.all(live.map((r) => r.received(1)));
    await tab.close();
  });

  it('refuses sockets past the per-IP limit with 429 at the upgrade', async () => {
    const limited = await startTestApp({ env: { WS_MAX_PER_IP: '4' } });
    const sockets: WebSocket[] = [];
    const open = (): Promise<number> =>
      new Promise((resolve) => {
        const socket = new WebSocket(`${limited.url.replace('http', 'ws')}/api/trpc`);
        sockets.push(socket);
        socket.on('open', () => { resolve(101); });
        socket.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); });
        socket.on('error', () => undefined);
      });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push(await open());
    expect(statuses).toEqual([101, 101, 101, 101, 429, 429]);
    const closed = sockets[0];
    await new Promise((resolve) => { closed?.once('close', resolve); closed?.close(); });
    await after(50, null);
    expect(await open()).toBe(101);
    for (const socket of sockets) socket.close();
    await limited.close();
  });
});
