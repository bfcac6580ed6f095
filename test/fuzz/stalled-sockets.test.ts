import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { newBrowser } from '../support/browsers.js';
import { holdsWithin } from '../support/eventually.js';
import { subscribeRaw } from '../support/raw-subscriber.js';
import { recordEvents } from '../support/subscription.js';
import { useTestApp } from '../support/test-app.js';
import { createWsTestClient } from '../support/ws-client.js';
import { FUZZ_ENV, fuzzParameters } from './support/fuzz-target.js';

/**
 * How a hostile socket holds on: it subscribes, then stops reading, and may write pongs nobody
 * asked for (empty, or a guess at the ping's nonce) to look alive.
 */
interface StalledSocket {
  subscriptions: number;
  pongs: 'none' | 'empty' | 'guessed';
}

interface StallRun {
  stalled: StalledSocket[];
  /** Lengths of the chat messages the session sends while they are stalled. */
  messages: number[];
  /** `\u0001` escapes to six bytes of JSON: the most an event can weigh per character. */
  escaped: boolean;
}

const stallRun: fc.Arbitrary<StallRun> = fc.record({
  stalled: fc.array(
    fc.record({ subscriptions: fc.integer({ min: 1, max: 20 }), pongs: fc.constantFrom('none' as const, 'empty' as const, 'guessed' as const) }),
    { minLength: 1, maxLength: 6 },
  ),
  messages: fc.array(fc.integer({ min: 1, max: 4000 }), { minLength: 1, maxLength: 40 }),
  escaped: fc.boolean(),
});

const PING_MS = 300;
/** A stalled socket is gone within two heartbeat rounds, or at once when it fills its send budget. */
const CUT_OFF_MS = 3 * PING_MS + 2000;

async function stall(url: string, cookie: string, sessionId: string, spec: StalledSocket): Promise<{ socket: WebSocket; stop(): void }> {
  const socket = await subscribeRaw(url, cookie, sessionId, spec.subscriptions, { autoPong: false });
  socket.pause();
  const pongs = spec.pongs === 'none' ? undefined : setInterval(() => {
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.pong(spec.pongs === 'empty' ? undefined : Buffer.alloc(8, 7));
  }, 40);
  return { socket, stop: () => { clearInterval(pongs); socket.terminate(); } };
}

describe('fuzz: sockets that stop reading, or answer pings nobody sent', () => {
  const t = useTestApp({
    env: { ...FUZZ_ENV, WS_MAX_BUFFERED_BYTES: '262144' },
    overrides: { timeouts: { webSocketPingMs: PING_MS, webSocketPongWaitMs: PING_MS } },
  });

  it('cuts every one of them off, and a tab that reads still gets every event, in order, once', async () => {
    await fc.assert(
      fc.asyncProperty(stallRun, async (run) => {
        const http = await newBrowser(t.url);
        const { sessionId, cookie } = http;
        const reader = createWsTestClient(t.url, { cookie });
        const tab = recordEvents(reader, { sessionId });
        await tab.started;
        const stalled = await Promise.all(run.stalled.map((spec) => stall(t.url, cookie, sessionId, spec)));
        try {
          const sent: string[] = [];
          for (const length of run.messages) {
            const message = await http.client.chat.send.mutate({ sessionId, text: (run.escaped ? '\u0001' : 'x').repeat(length) });
            sent.push(message.messageId);
          }
          await tab.received(sent.length);
          const delivered = tab.events.flatMap((event) => (event.data.type === 'chat.message' ? [event.data.message.messageId] : []));
          expect(delivered).toEqual(sent);
          expect(await holdsWithin(() => t.app.websockets.connections === 1, CUT_OFF_MS), 'every stalled socket was cut off').toBe(true);
          expect(tab.isOpen()).toBe(true);
        } finally {
          for (const socket of stalled) socket.stop();
          await reader.close();
          await holdsWithin(() => t.app.websockets.connections === 0, CUT_OFF_MS);
        }
      }),
      fuzzParameters(12),
    );
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});
