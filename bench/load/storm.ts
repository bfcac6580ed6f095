/**
 * Tabs that come back on their own, as the app's do: each holds one `session.events` subscription,
 * remembers the id of the last event it had, and when its socket is lost (or its upgrade refused)
 * reconnects after the client's own jittered backoff, to the address the load balancer now sends
 * it to, resuming with `lastEventId`. The storm figure kills the server half of them were on and
 * watches them all come back to the other.
 */
import { performance } from 'node:perf_hooks';
import { reconnectDelayMs } from '../../src/client/api/backoff.js';
import { serveParent } from '../lib/child.js';
import { openSocket, type ThinSocket } from './socket.js';

export interface OpenStormTabs {
  /** Tab i first connects to wsUrls[i % length]. */
  wsUrls: string[];
  count: number;
  /** Tab i subscribes to sessions[i % length] with that session's cookie. */
  sessions: { sessionId: string; cookie: string }[];
}

export interface StormStatus {
  tabs: number;
  subscribed: number;
  /** Upgrades refused (the server's admission bound, 503) or failed since the tabs were opened. */
  refusedUpgrades: number;
}

export interface AwaitMarkers {
  /** Every tab must be subscribed and have seen each of these (`storm-mark-…`) in its session's events. */
  markers: string[];
  timeoutMs: number;
}

export interface MarkersSeen {
  /** Milliseconds from the call until the last tab had them all (or the timeout). */
  ms: number;
  /** Tabs that still miss a marker, or are not subscribed, at the end. */
  missing: number;
}

interface Tab {
  sessionId: string;
  cookie: string;
  url: string;
  socket: ThinSocket | undefined;
  subscribed: boolean;
  lastEventId: string | undefined;
  attempt: number;
  seen: Set<string>;
}

/** What the figure puts in its messages (`storm-mark-<name>`), so that a tab can tell them apart. */
const MARKER = /storm-mark-[\w-]+/g;

const tabs: Tab[] = [];
let reconnectUrl: string | undefined;
let refusedUpgrades = 0;
let stopped = false;

function connect(tab: Tab): void {
  if (stopped) return;
  openSocket(`${tab.url.replace(/^http/, 'ws')}/api/trpc`, tab.cookie).then(
    (socket) => {
      tab.socket = socket;
      socket.ws.on('error', () => undefined);
      socket.ws.once('close', () => { lost(tab); });
      socket.onMessage = (message, text) => {
        if (message.result?.type === 'started') {
          tab.subscribed = true;
          tab.attempt = 0;
        } else if (message.result?.type === 'data' && message.result.id !== undefined) {
          tab.lastEventId = message.result.id;
          for (const [marker] of text.matchAll(MARKER)) tab.seen.add(marker);
        } else if (message.error) {
          socket.close();
        }
      };
      const input = tab.lastEventId === undefined ? { sessionId: tab.sessionId } : { sessionId: tab.sessionId, lastEventId: tab.lastEventId };
      socket.send({ id: 1, method: 'subscription', params: { path: 'session.events', input } });
    },
    () => {
      refusedUpgrades += 1;
      lost(tab);
    },
  );
}

function lost(tab: Tab): void {
  tab.socket = undefined;
  tab.subscribed = false;
  if (stopped) return;
  if (reconnectUrl) tab.url = reconnectUrl;
  const delay = reconnectDelayMs(tab.attempt);
  tab.attempt += 1;
  setTimeout(() => { connect(tab); }, delay);
}

function status(): StormStatus {
  return { tabs: tabs.length, subscribed: tabs.filter((tab) => tab.subscribed).length, refusedUpgrades };
}

function open(payload: unknown): Promise<StormStatus> {
  const request = payload as OpenStormTabs;
  for (let i = 0; i < request.count; i += 1) {
    const session = request.sessions[i % request.sessions.length];
    const url = request.wsUrls[i % request.wsUrls.length];
    if (!session || !url) throw new Error('no session or URL to open a tab with');
    const tab: Tab = { ...session, url, socket: undefined, subscribed: false, lastEventId: undefined, attempt: 0, seen: new Set() };
    tabs.push(tab);
    connect(tab);
  }
  return Promise.resolve(status());
}

/** From now on a lost tab comes back to `url` (the one server left). */
function redirect(payload: unknown): Promise<void> {
  reconnectUrl = (payload as { url: string }).url;
  return Promise.resolve();
}

async function awaitMarkers(payload: unknown): Promise<MarkersSeen> {
  const request = payload as AwaitMarkers;
  const started = performance.now();
  const missing = () => tabs.filter((tab) => !tab.subscribed || request.markers.some((marker) => !tab.seen.has(marker))).length;
  while (missing() > 0 && performance.now() - started < request.timeoutMs) await new Promise((resolve) => setTimeout(resolve, 50));
  return { ms: performance.now() - started, missing: missing() };
}

async function awaitSubscribed(payload: unknown): Promise<StormStatus> {
  const { timeoutMs } = payload as { timeoutMs: number };
  const started = performance.now();
  while (status().subscribed < tabs.length && performance.now() - started < timeoutMs) await new Promise((resolve) => setTimeout(resolve, 50));
  return status();
}

function close(): Promise<void> {
  stopped = true;
  for (const tab of tabs) tab.socket?.close();
  tabs.length = 0;
  return Promise.resolve();
}

serveParent({}, { open, redirect, status: () => Promise.resolve(status()), awaitSubscribed, awaitMarkers }, close);
