import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../logger.js';
import type { AuditService } from '../services/audit/audit.service.js';
import type { OriginPolicy } from '../security/origin-policy.js';
import type { RefusalAuditGate } from '../security/rate-limits.js';
import { appRouter } from '../api/root.js';
import type { WsContextFactory } from './api-context.js';
import type { RequestScope, UpgradeHandler } from './host.js';
import { TRPC_PATH } from './paths.js';

export interface WebSocketHostOptions {
  log: Logger;
  audit: AuditService;
  refusalGate: RefusalAuditGate;
  originPolicy: OriginPolicy;
  makeContext: WsContextFactory;
  maxPerIp: number;
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

/** Ends an upgrade with a plain HTTP answer, before any WebSocket frame is read. */
function refuseUpgrade(socket: Duplex, status: number, reason: string, message: string): void {
  const body = JSON.stringify({ error: { code: reason, httpStatus: status, message } });
  socket.end(
    `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Too Many Requests'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * tRPC over WebSocket on the HTTP server's port. The upgrade is where cross-site WebSocket
 * hijacking is stopped (tRPC itself does not look at Origin) and where each client's number of
 * sockets is bounded; the credential travels in the upgrade's cookie.
 */
export function createWebSocketHost(opts: WebSocketHostOptions): WebSocketHost {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const perIp = new Map<string, number>();
  const handler = applyWSSHandler({
    wss,
    router: appRouter,
    // Never throws: a failing context would make clients reconnect in a storm.
    createContext: ({ req }) => opts.makeContext(req),
    keepAlive: { enabled: true, pingMs: opts.pingMs ?? 30_000, pongWaitMs: opts.pongWaitMs ?? 10_000 },
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') opts.log.error({ err: error.cause ?? error, path }, 'websocket procedure failed');
    },
  });

  async function auditOriginRefusal(req: IncomingMessage, scope: RequestScope, origin: string): Promise<void> {
    if (!(await opts.refusalGate.shouldRecord('origin.rejected', scope.ip))) return;
    await opts.audit.record({
      event: 'origin.rejected',
      outcome: 'refused',
      actor: { ip: scope.ip, userAgent: req.headers['user-agent'] ?? null, requestId: scope.requestId },
      metadata: { origin: origin.slice(0, 200), method: 'WEBSOCKET', path: scope.url.pathname },
    });
  }

  const upgrade: UpgradeHandler = (req, socket, head, scope) => {
    if (scope.url.pathname !== TRPC_PATH) {
      refuseUpgrade(socket, 404, 'NOT_FOUND', `WebSocket connections are served at ${TRPC_PATH} only.`);
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !opts.originPolicy.isAllowed(origin, req.headers.host)) {
      refuseUpgrade(socket, 403, 'FORBIDDEN', `WebSocket connections from ${origin} are not allowed.`);
      auditOriginRefusal(req, scope, origin).catch((error: unknown) => { opts.log.error({ err: error }, 'audit of a refused upgrade failed'); });
      return;
    }
    const open = perIp.get(scope.ip) ?? 0;
    if (open >= opts.maxPerIp) {
      refuseUpgrade(socket, 429, 'TOO_MANY_REQUESTS', `Too many open connections from your network (at most ${opts.maxPerIp}). Close some tabs and try again.`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      perIp.set(scope.ip, (perIp.get(scope.ip) ?? 0) + 1);
      ws.once('close', () => {
        const left = (perIp.get(scope.ip) ?? 1) - 1;
        if (left > 0) perIp.set(scope.ip, left);
        else perIp.delete(scope.ip);
      });
      wss.emit('connection', ws, req);
    });
  };

  return {
    upgrade,
    get connections() {
      return wss.clients.size;
    },
    async closeAll() {
      handler.broadcastReconnectNotification();
      for (const client of wss.clients) client.close(1012, 'server restarting');
      await new Promise<void>((resolve) => { wss.close(() => { resolve(); }); });
    },
  };
}
