import { describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { newBrowser } from '../support/browsers.js';
import { eventually } from '../support/eventually.js';
import { recordEvents } from '../support/subscription.js';
import { useTestApp } from '../support/test-app.js';
import { createWsTestClient } from '../support/ws-client.js';
import { openRawSocket } from './support/live-connections.js';

const t = useTestApp({ env: { RATE_LIMIT_PER_MINUTE: '1000', WS_MAX_SUBSCRIPTIONS: '10', WS_MAX_PER_IP: '100' } });

interface DataFrame {
  text: string;
  parsed: { id: unknown; jsonrpc?: string; result: { type: string; id: string; data: { id: string; data: { type: string; message?: { text: string } } } } };
}

/** A raw socket's data frames, as sent, by the subscription id they answer. */
function collectDataFrames(socket: WebSocket): Map<unknown, DataFrame[]> {
  const frames = new Map<unknown, DataFrame[]>();
  socket.on('message', (data: Buffer) => {
    const text = data.toString('utf8');
    const parsed = JSON.parse(text) as DataFrame['parsed'];
    if (parsed.result.type !== 'data') return;
    frames.set(parsed.id, [...(frames.get(parsed.id) ?? []), { text, parsed }]);
  });
  return frames;
}

const RAW_IDS: unknown[] = [1, 'two', 'a "quoted" id'];
const TEXTS = ['one', 'two', 'three', 'four', 'five'];

describe('one event fanned out to many subscriptions, serialised once', () => {
  it('reaches every subscription of every socket in order, with the stream ids and each envelope its own id', async () => {
    const { client, session, cookie } = await newBrowser(t.url);
    const tabs = Array.from({ length: 4 }, () => createWsTestClient(t.url, { cookie }));
    const recorders = tabs.flatMap((tab) => Array.from({ length: 3 }, () => recordEvents(tab, { sessionId: session.sessionId })));
    const rawSockets = await Promise.all(Array.from({ length: 2 }, () => openRawSocket(t, cookie)));
    const rawFrames = rawSockets.map((socket) => collectDataFrames(socket));
    for (const socket of rawSockets) {
      for (const id of RAW_IDS) socket.send(JSON.stringify({ id, jsonrpc: '2.0', method: 'subscription', params: { path: 'session.events', input: { sessionId: session.sessionId } } }));
    }
    await Promise.all(recorders.map((r) => r.started));
    const subscriptions = recorders.length + rawSockets.length * RAW_IDS.length;
    await eventually(() => t.app.services.events.localSubscriptions === subscriptions, 10_000, 'every subscription joined');

    for (const text of TEXTS) await client.chat.send.mutate({ sessionId: session.sessionId, text });
    await Promise.all(recorders.map((r) => r.received(TEXTS.length)));
    await eventually(() => rawFrames.every((bySubscription) => RAW_IDS.every((id) => bySubscription.get(id)?.length === TEXTS.length)), 10_000, 'every raw subscription has every event');

    const streamIds = (await t.app.services.events.since(session.sessionId, null)).map((entry) => entry.id);
    expect(streamIds).toHaveLength(TEXTS.length);
    for (const recorder of recorders) {
      expect(recorder.events.map((e) => e.id)).toEqual(streamIds);
      expect(recorder.events.map((e) => (e.data.type === 'chat.message' ? e.data.message.text : e.data.type))).toEqual(TEXTS);
    }
    for (const bySubscription of rawFrames) {
      for (const id of RAW_IDS) {
        const frames = bySubscription.get(id) ?? [];
        // What JSON.stringify would have written for this very message, byte for byte.
        for (const frame of frames) expect(frame.text).toBe(JSON.stringify(frame.parsed));
        expect(frames.map((f) => f.parsed.jsonrpc)).toEqual(TEXTS.map(() => '2.0'));
        expect(frames.map((f) => f.parsed.result.id)).toEqual(streamIds);
        expect(frames.map((f) => f.parsed.result.data.id)).toEqual(streamIds);
        expect(frames.map((f) => f.parsed.result.data.data.message?.text)).toEqual(TEXTS);
      }
    }

    for (const socket of rawSockets) socket.terminate();
    await Promise.all(tabs.map((tab) => tab.close()));
    await eventually(() => t.app.services.events.localSubscriptions === 0, 10_000, 'every subscription left');
  });
});
