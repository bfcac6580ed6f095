/**
 * Many subscribed tabs in one process apart from the servers: opens groups of sockets (to one or
 * several instances, tRPC's session.events or the raw `ws` floor), then either holds them idle
 * (socket memory) or runs fan-out rounds: send one event through a trigger URL, and time until
 * the last socket of the group has it. Several groups take turns round by round, so that Tabsync
 * and its floor meet the same moments of a shared machine's noise.
 */
import { performance } from 'node:perf_hooks';
import { serveParent } from '../lib/child.js';
import { openMany, openSocket, type ThinSocket } from './socket.js';

export type TabProtocol = 'trpc' | 'raw';

export interface OpenTabs {
  /** A name for this set of sockets (default "tabs"): rounds and close refer to it. */
  group?: string;
  protocol: TabProtocol;
  /** Socket i connects to wsUrls[i % length]: the tabs are spread over the instances. */
  wsUrls: string[];
  count: number;
  /** Socket i subscribes to sessions[i % length] with that session's cookie. */
  sessions: { sessionId: string; cookie: string }[];
}

export interface Trigger {
  url: string;
  headers: Record<string, string>;
  /** `%MARKER%` in it becomes the round's unique marker. */
  body: string;
}

export interface FanoutRounds {
  /** Each round sends one event per series, one series after the other. */
  series: { group: string; trigger: Trigger }[];
  rounds: number;
  warmupRounds: number;
  /** Quiet time between two events, so that one's tail is not the next one's head. */
  pauseMs: number;
}

export interface FanoutSeries {
  samplesMs: number[];
  /** One delivered message, verbatim, so the raw floor can broadcast the very same bytes. */
  payload: string;
  marker: string;
}

const DEFAULT_GROUP = 'tabs';
const groups = new Map<string, ThinSocket[]>();

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
  const sockets = await openMany(request.count, 100, async (index) => {
    const session = request.sessions[index % request.sessions.length];
    const base = request.wsUrls[index % request.wsUrls.length];
    if (!session || !base) throw new Error('no session or URL to open a tab with');
    const socket = await openSocket(`${base.replace(/^http/, 'ws')}${suffix}`, session.cookie);
    await subscribe(socket, request.protocol, session.sessionId);
    return socket;
  });
  groups.set(request.group ?? DEFAULT_GROUP, sockets);
  return { opened: sockets.length };
}

/** Sends the trigger, resolves with the time until every socket of the group has seen the marker. */
async function oneRound(sockets: ThinSocket[], trigger: Trigger, marker: string): Promise<{ ms: number; payload: string }> {
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

async function rounds(payload: unknown): Promise<FanoutSeries[]> {
  const request = payload as FanoutRounds;
  const results = request.series.map((): FanoutSeries => ({ samplesMs: [], payload: '', marker: '' }));
  for (let round = 0; round < request.warmupRounds + request.rounds; round += 1) {
    for (const [index, series] of request.series.entries()) {
      const sockets = groups.get(series.group);
      const result = results[index];
      if (!sockets || !result) throw new Error(`no group "${series.group}"`);
      result.marker = `fanout-${round}-${index}-${performance.now().toFixed(3)}`;
      const { ms, payload: delivered } = await oneRound(sockets, series.trigger, result.marker);
      result.payload = delivered;
      if (round >= request.warmupRounds) result.samplesMs.push(ms);
      await new Promise((resolve) => setTimeout(resolve, request.pauseMs));
    }
  }
  return results;
}

function close(payload: unknown): Promise<{ closed: number }> {
  const group = (payload as { group?: string } | undefined)?.group;
  let closed = 0;
  for (const [name, sockets] of groups) {
    if (group !== undefined && name !== group) continue;
    for (const socket of sockets) socket.close();
    closed += sockets.length;
    groups.delete(name);
  }
  return Promise.resolve({ closed });
}

serveParent({}, { open, rounds, close }, async () => { await close(undefined); });
