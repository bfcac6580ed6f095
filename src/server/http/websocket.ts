import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiContext } from '../api/context.js';
import type { Logger } from '../logger.js';
import type { AuditService } from '../services/audit/audit.service.js';
import type { OriginPolicy } from './origin-policy.js';
import type { RefusalAuditGate } from '../services/audit/refusal-audit-gate.js';
import { appRouter } from '../api/root.js';
import { withConnectionParams, type WsContextFactory } from './api-context.js';
import type { RequestScope, UpgradeHandler } from './host.js';
import { TRPC_PATH } from './paths.js';
import { errorBody } from './json-response.js';
import type { LingeringClose } from './lingering-close.js';
import { clientKey } from '../security/client-key.js';
import { TRPC_MAX_BODY_BYTES } from '../../shared/limits.js';
import { guardBatchSize } from './websocket-batch-guard.js';
import { sharedPayloadEncoder } from './ws-encoder.js';
import { startHeartbeat } from './ws-heartbeat.js';
import { socketsWithSendBudget } from './ws-send-budget.js';

export interface WebSocketHostOptions {
  log: Logger;
  audit: AuditService;
  refusalGate: RefusalAuditGate;
  originPolicy: OriginPolicy;
  makeContext: WsContextFactory;
  /** Refused upgrades close through it: their client may still be sending a body. */
  lingering: LingeringClose;
  maxPerIp: number;
  /** Unsent bytes one socket may hold (WS_MAX_BUFFERED_BYTES); past it the socket is closed (1013). */
  maxBufferedBytes: number;
  /** Upgrades this instance admits per second (WS_MAX_UPGRADES_PER_SECOND); past it: 503 with Retry-After. */
  maxUpgradesPerSecond: number;
  /** A socket that has not sent its first message by then is closed: it holds a slot and does nothing. */
  handshakeMs?: number;
  pingMs?: number;
  pongWaitMs?: number;
}

export interface WebSocketHost {
  upgrade: UpgradeHandler;
  /** Open sockets on this instance. */
  readonly connections: number;
  /** Asks every client to reconnect (to another instance) before this one stops. */
  closeAll(): Promise<void>;
}

/**
 * Calls one WebSocket message may carry. Higher than HTTP's batch limit: a reconnecting client
 * resubscribes everything it had in one message.
 */
const WS_MAX_BATCH = 50;

/** Close code 1008 (policy violation): the client connected and never asked for anything. */
const SILENT_CLIENT_CLOSE = 1008;

/**
 * Closes a socket that sends nothing within `ms`. A function of its own so that the socket's
 * other listeners do not keep the timer alive after the first message cleared it; not cleared on
 * close, since closing a closed socket does nothing.
 */
function closeIfSilent(ws: WebSocket, ms: number): void {
  const silent = setTimeout(() => { ws.close(SILENT_CLIENT_CLOSE, 'no request was sent'); }, ms);
  ws.once('message', () => { clearTimeout(silent); });
}

/**
 * What tRPC's adapter keeps of the upgrade request for the socket's lifetime: it reads the URL and
 * Host (for `?connectionParams`) and hands the request to createContext and onError, which here
 * use neither. The full IncomingMessage (its headers twice over, stream state, listeners: ~1.3 kB)
 * is then free as soon as the socket is set up.
 */
function connectionRequest(req: IncomingMessage): Pick<IncomingMessage, 'url' | 'headers'> {
  return { url: req.url, headers: { host: req.headers.host } };
}

/**
 * tRPC over WebSocket on the HTTP server's port. The upgrade is where cross-site WebSocket
 * hijacking is stopped (tRPC itself does not look at Origin) and where each client's number of
 * sockets is bounded; the credential travels in the upgrade's cookie.
 */
export function createWebSocketHost(opts: WebSocketHostOptions): WebSocketHost {
  const wss = new WebSocketServer({ noServer: true, maxPayload: TRPC_MAX_BODY_BYTES, WebSocket: socketsWithSendBudget(opts.maxBufferedBytes) });
  const perIp = new Map<string, number>();
  const contexts = new WeakMap<object, ApiContext>();
  const handler = applyWSSHandler({
    wss,
    router: appRouter,
    experimental_encoder: sharedPayloadEncoder,
    // Made in connect() from the real upgrade request (tRPC is handed a slim one), or from `req` if
    // it is a real one. Never throws: a failing context would make clients reconnect in a storm.
    // The admin page's token arrives as a connection parameter (withConnectionParams).
    createContext: ({ req, info }) => withConnectionParams(contexts.get(req) ?? opts.makeContext(req), info.connectionParams),
    // Dead connections are found by the server-wide heartbeat below, not by timers per socket.
    keepAlive: { enabled: false },
    onError: ({ error, path }) => {
      if (error.code !== 'INTERNAL_SERVER_ERROR') return;
      // Without a path the error is the socket's own (a frame over maxPayload, a broken frame): the
      // client's doing, already answered by closing it, not a failure of ours.
      if (path === undefined) opts.log.debug({ err: error.cause ?? error }, 'websocket connection error');
      else opts.log.error({ err: error.cause ?? error, path }, 'websocket procedure failed');
    },
  });
  const heartbeat = startHeartbeat(wss, opts.pingMs ?? 30_000, opts.pongWaitMs ?? 10_000);

  async function auditOriginRefusal(req: IncomingMessage, scope: RequestScope, origin: string): Promise<void> {
    if (!(await opts.refusalGate.shouldRecord('origin.rejected', scope.ip))) return;
    await opts.audit.record({
      event: 'origin.rejected',
      outcome: 'refused',
      actor: { ip: scope.ip, userAgent: req.headers['user-agent'] ?? null, requestId: scope.requestId },
      metadata: { origin: origin.slice(0, 200), method: 'WEBSOCKET', path: scope.url.pathname },
    });
  }

  const handshakeMs = opts.handshakeMs ?? 10_000;

  /** Ends an upgrade with a plain HTTP answer, before any WebSocket frame is read. */
  function refuseUpgrade(socket: Duplex, scope: RequestScope, status: number, code: string, message: string, headers?: Record<string, string>): void {
    opts.lingering.answer(socket, status, JSON.stringify(errorBody(status, code, message, scope.requestId)), { headers });
  }

  // When a server of several goes away, its tabs all come back at once to the others: each admits
  // them at a bounded rate, and the rest wait (their clients back off with jitter) instead of the
  // wave taking the survivor down too.
  const admission = new RateLimiterMemory({ points: opts.maxUpgradesPerSecond, duration: 1 });
  async function admitted(socket: Duplex, scope: RequestScope): Promise<boolean> {
    try {
      await admission.consume('upgrades');
      return true;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      refuseUpgrade(socket, scope, 503, 'SERVICE_UNAVAILABLE', `The server is taking many connections at once. Please try again in ${seconds} second${seconds === 1 ? '' : 's'}.`, { 'Retry-After': String(seconds) });
      return false;
    }
  }

  const upgrade: UpgradeHandler = (req, socket, head, scope, upgraded) => {
    if (scope.url.pathname !== TRPC_PATH) {
      refuseUpgrade(socket, scope, 404, 'NOT_FOUND', `WebSocket connections are served at ${TRPC_PATH} only.`);
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !opts.originPolicy.isAllowed(origin, req)) {
      refuseUpgrade(socket, scope, 403, 'FORBIDDEN', `WebSocket connections from ${origin} are not allowed.`);
      auditOriginRefusal(req, scope, origin).catch((error: unknown) => { opts.log.error({ err: error }, 'audit of a refused upgrade failed'); });
      return;
    }
    void admitted(socket, scope).then((admit) => {
      if (!admit) return;
      // The same client key as the rate limits: an IPv6 client is its /64, not one of its addresses.
      const client = clientKey(scope.ip);
      const open = perIp.get(client) ?? 0;
      if (open >= opts.maxPerIp) {
        refuseUpgrade(socket, scope, 429, 'TOO_MANY_REQUESTS', `Too many open connections from your network (at most ${opts.maxPerIp}). Close some tabs and try again.`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        upgraded();
        connect(ws, req, client, scope.requestId);
      });
    });
  };

  /**
   * Hands an upgraded socket to tRPC, with its limits. Apart from `upgrade` so that what a socket
   * keeps for its lifetime (the listeners below) holds the client key only, not the upgrade's
   * scope, head and callbacks.
   */
  function connect(ws: WebSocket, req: IncomingMessage, client: string, requestId: string): void {
    // Before anything can throw: a bad frame from a socket whose set-up failed must not reach the process.
    ws.on('error', (error) => { opts.log.debug({ err: error, requestId }, 'websocket error'); });
    perIp.set(client, (perIp.get(client) ?? 0) + 1);
    ws.once('close', () => {
      const left = (perIp.get(client) ?? 1) - 1;
      if (left > 0) perIp.set(client, left);
      else perIp.delete(client);
    });
    closeIfSilent(ws, handshakeMs);
    heartbeat.watch(ws);
    const slim = connectionRequest(req);
    contexts.set(slim, opts.makeContext(req));
    const before = new Set(ws.listeners('message'));
    try {
      wss.emit('connection', ws, slim);
    } catch (error) {
      // tRPC reads the Host header as a URL here: a malformed one must close this socket, not the process.
      opts.log.debug({ err: error, requestId }, 'websocket connection refused');
      ws.terminate();
      return;
    }
    guardBatchSize(ws, before, WS_MAX_BATCH);
  }

  return {
    upgrade,
    get connections() {
      return wss.clients.size;
    },
    async closeAll() {
      heartbeat.stop();
      handler.broadcastReconnectNotification();
      for (const client of wss.clients) client.close(1012, 'server restarting');
      await new Promise<void>((resolve) => { wss.close(() => { resolve(); }); });
    },
  };
}
