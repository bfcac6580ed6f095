/**
 * Many subscribed tabs in one process apart from the servers: opens sockets (to one or several
 * instances, tRPC's session.events or the raw `ws` floor), then either holds them idle (socket
 * memory) or runs fan-out rounds: send one event through a trigger URL, and time until the last
 * socket has it.
 */
import { performance } from 'node:perf_hooks';
import { serveParent } from '../lib/child.js';
import { openMany, openSocket, type ThinSocket } from './socket.js';

export type TabProtocol = 'trpc' | 'raw';

export interface OpenTabs {
  protocol: TabProtocol;
  /** Socket i connects to wsUrls[i % length]: the tabs are spread over the instances. */
  wsUrls: string[];
  count: number;
  /** Socket i subscribes to sessions[i % length] with that session's cookie. */
  sessions: { sessionId: string; cookie: string }[];
}

export interface FanoutRounds {
  rounds: number;
  warmupRounds: number;
  /** Quiet time between rounds, so that one round's tail is not the next one's head. */
  pauseMs: number;
  /** The request that makes the event; `%MARKER%` in its body becomes the round's unique marker. */
  trigger: { url: string; headers: Record<string, string>; body: string };
}

export interface FanoutResult {
  samplesMs: number[];
  /** One delivered message, verbatim, so the raw floor can broadcast the very same bytes. */
  payload: string;
  marker: string;
}

let sockets: ThinSocket[] = [];

function subscribe(socket: ThinSocket, protocol: TabProtocol, sessionId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.onMessage = (message) => {
      if (message.result?.type === 'started') resolve();
      else if (message.error) reject(new Error(`subscription refused: ${message.error.message}`));
    };
    socket.ws.once('close', (code, reason) => { reject(new Error(`socket closed while subscribing: ${code} ${reason.toString()}`)); });
    if (protocol === 'trpc') socket.send({ id: 1, method: 'subscription', params: { path: 'session.events', input: { sessionId } } });
    else socket.send({ sessionId });
  });
}

async function open(payload: unknown): Promise<{ opened: number }> {
  const request = payload as OpenTabs;
  const suffix = request.protocol === 'trpc' ? '/api/trpc' : '/';
  sockets = await openMany(request.count, 100, async (index) => {
    const session = request.sessions[index % request.sessions.length];
    const base = request.wsUrls[index % request.wsUrls.length];
    if (!session || !base) throw new Error('no session or URL to open a tab with');
    const socket = await openSocket(`${base.replace(/^http/, 'ws')}${suffix}`, session.cookie);
    await subscribe(socket, request.protocol, session.sessionId);
    return socket;
  });
  return { opened: sockets.length };
}

/** Sends the trigger, resolves with the time until every socket has seen the marker. */
async function oneRound(trigger: FanoutRounds['trigger'], marker: string): Promise<{ ms: number; payload: string }> {
  let remaining = sockets.length;
  let payload = '';
  const seen = new Uint8Array(sockets.length);
  const started = performance.now();
  const delivered = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`only ${sockets.length - remaining} of ${sockets.length} tabs got the event within 15 s`)); }, 15_000);
    sockets.forEach((socket, index) => {
      socket.onMessage = (_message, text) => {
        if (seen[index] === 1 || !text.includes(marker)) return;
        seen[index] = 1;
        payload = text;
        remaining -= 1;
        if (remaining === 0) {
          clearTimeout(timer);
          resolve(performance.now());
        }
      };
    });
  });
  const response = await fetch(trigger.url, { method: 'POST', headers: trigger.headers, body: trigger.body.replace('%MARKER%', marker) });
  if (!response.ok) throw new Error(`the trigger answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
  const finished = await delivered;
  return { ms: finished - started, payload };
}

async function rounds(payload: unknown): Promise<FanoutResult> {
  const request = payload as FanoutRounds;
  const samplesMs: number[] = [];
  let last = { ms: 0, payload: '' };
  let marker = '';
  for (let round = 0; round < request.warmupRounds + request.rounds; round += 1) {
    marker = `fanout-${round}-${performance.now().toFixed(3)}`;
    last = await oneRound(request.trigger, marker);
    if (round >= request.warmupRounds) samplesMs.push(last.ms);
    await new Promise((resolve) => setTimeout(resolve, request.pauseMs));
  }
  return { samplesMs, payload: last.payload, marker };
}

function close(): Promise<{ closed: number }> {
  for (const socket of sockets) socket.close();
  const closed = sockets.length;
  sockets = [];
  return Promise.resolve({ closed });
}

serveParent({}, { open, rounds, close }, async () => { await close(); });
