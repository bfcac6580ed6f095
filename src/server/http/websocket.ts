import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiContext } from '../api/context.js';
import type { Logger } from '../logger.js';
import { appRouter } from '../api/root.js';
import { withConnectionParams, type WsContextFactory } from './api-context.js';
import type { RequestScope, UpgradeHandler } from './host.js';
import { clientKey } from '../security/client-key.js';
import { TRPC_MAX_BODY_BYTES } from '../../shared/limits.js';
import { sharedJsonOf } from '../realtime/shared-json.js';
import { sharedPayloadEncoder } from './ws-encoder.js';
import { startHeartbeat } from './ws-heartbeat.js';
import { socketsWithSendBudget } from './ws-send-budget.js';
import { createTrpcWsHandler, type TrpcSocket } from './ws-trpc-handler.js';
import type { WsErrorReporter } from './ws-trpc-wire.js';
import { checkUpgrade, refuseUpgrade, upgradeAdmission, type UpgradeGuardOptions } from './ws-upgrade.js';

export interface WebSocketHostOptions extends UpgradeGuardOptions {
  makeContext: WsContextFactory;
  maxPerIp: number;
  /** Unsent bytes one socket may hold (WS_MAX_BUFFERED_BYTES); past it the socket is closed (1013). */
  maxBufferedBytes: number;
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
 * The class the WebSocket server makes its sockets of: with the send budget, and with what this
 * host and the tRPC handler keep of each socket on the socket itself, so that one set of
 * listeners serves them all and a socket costs no closure of its own.
 */
function hostSockets(maxBufferedBytes: number) {
  return class extends socketsWithSendBudget(maxBufferedBytes) implements HostSocket {
    client = '';
    silent: NodeJS.Timeout | undefined = undefined;
    trpc: TrpcSocket['trpc'] = undefined;
  };
}

interface HostSocket extends TrpcSocket {
  /** Its client's key, under which it counts against WS_MAX_PER_IP. */
  client: string;
  /** Closes it if it sends nothing; cleared by its first message. */
  silent: NodeJS.Timeout | undefined;
}

/**
 * tRPC over WebSocket on the HTTP server's port. The upgrade is where cross-site WebSocket
 * hijacking is stopped (tRPC itself does not look at Origin) and where each client's number of
 * sockets and the rate of new ones are bounded; the credential travels in the upgrade's cookie.
 */
export function createWebSocketHost(opts: WebSocketHostOptions): WebSocketHost {
  const wss = new WebSocketServer({ noServer: true, maxPayload: TRPC_MAX_BODY_BYTES, WebSocket: hostSockets(opts.maxBufferedBytes) });
  const trpc = createTrpcWsHandler({
    router: appRouter,
    encoder: sharedPayloadEncoder,
    // An event fanned out to every tab of a session: encoded once per subscription id, not per socket.
    isSharedValue: (value) => sharedJsonOf(value) !== undefined,
    // What every tab holds: its iterator (SessionEventStream) ends a waiting next() when returned,
    // so it needs no AbortSignal of its own.
    stopsOnReturn: (path) => path === 'session.events',
    maxBatch: WS_MAX_BATCH,
    withConnectionParams,
    onError: logErrors(opts.log),
  });
  const heartbeat = startHeartbeat(wss, opts.pingMs ?? 30_000, opts.pongWaitMs ?? 10_000);
  const perClient = countSocketsPerClient(opts.maxPerIp);
  const silence = closeSilentSockets(opts.handshakeMs ?? 10_000);
  const admitted = upgradeAdmission(opts);

  const upgrade: UpgradeHandler = (req, socket, head, scope, upgraded) => {
    if (!checkUpgrade(opts, req, socket, scope)) return;
    void admitted(socket, scope).then((admit) => {
      if (!admit) return;
      // The same client key as the rate limits: an IPv6 client is its /64, not one of its addresses.
      const client = clientKey(scope.ip);
      if (perClient.full(client)) {
        refuseUpgrade(opts, socket, scope, 429, 'TOO_MANY_REQUESTS', `Too many open connections from your network (at most ${opts.maxPerIp}). Close some tabs and try again.`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        upgraded();
        connect(ws, req, client, scope);
      });
    });
  };

  /** An upgraded socket: counted for its client, closed if silent, watched for life, then served tRPC. */
  function connect(socket: HostSocket, req: IncomingMessage, client: string, scope: RequestScope): void {
    perClient.add(socket, client);
    silence.watch(socket);
    heartbeat.watch(socket);
    trpc.serve(socket, opts.makeContext(req), scope.url.searchParams.get('connectionParams') === '1');
  }

  return {
    upgrade,
    get connections() {
      return wss.clients.size;
    },
    async closeAll() {
      heartbeat.stop();
      trpc.askToReconnect(wss.clients);
      for (const client of wss.clients) client.close(1012, 'server restarting');
      await new Promise<void>((resolve) => { wss.close(() => { resolve(); }); });
    },
  };
}

/** Open sockets per client key, for WS_MAX_PER_IP; a socket counts until it closes. */
function countSocketsPerClient(maxPerClient: number) {
  const open = new Map<string, number>();
  function closed(this: WebSocket): void {
    const { client } = this as HostSocket;
    const left = (open.get(client) ?? 1) - 1;
    if (left > 0) open.set(client, left);
    else open.delete(client);
  }
  return {
    full: (client: string) => (open.get(client) ?? 0) >= maxPerClient,
    add(socket: HostSocket, client: string): void {
      socket.client = client;
      open.set(client, (open.get(client) ?? 0) + 1);
      socket.on('close', closed);
    },
  };
}

/** Closes a socket that sends nothing within `ms`: it holds a slot and asks for nothing. */
function closeSilentSockets(ms: number) {
  function closeSilent(socket: WebSocket): void {
    socket.close(SILENT_CLIENT_CLOSE, 'no request was sent');
  }
  function spoke(this: WebSocket): void {
    const socket = this as HostSocket;
    clearTimeout(socket.silent);
    socket.silent = undefined;
    socket.off('message', spoke);
    socket.off('close', spoke);
  }
  return {
    watch(socket: HostSocket): void {
      socket.silent = setTimeout(closeSilent, ms, socket);
      socket.on('message', spoke);
      socket.on('close', spoke);
    },
  };
}

/**
 * Procedure failures are the server's to look at; errors without a path belong to the socket (a
 * frame over maxPayload, a broken frame): the client's doing, already answered by closing it.
 */
function logErrors(log: Logger): WsErrorReporter<ApiContext> {
  return (error, path, ctx) => {
    if (error.code !== 'INTERNAL_SERVER_ERROR') return;
    const requestId = ctx?.actor.requestId;
    if (path === undefined) log.debug({ err: error.cause ?? error, requestId }, 'websocket connection error');
    else log.error({ err: error.cause ?? error, path, requestId }, 'websocket procedure failed');
  };
}
