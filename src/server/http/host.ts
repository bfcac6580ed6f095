import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../logger.js';
import type { AuditService } from '../services/audit/audit.service.js';
import type { OriginPolicy } from './origin-policy.js';
import type { RefusalAuditGate } from '../services/audit/refusal-audit-gate.js';
import type { ClientIpResolver } from './client-ip.js';
import { createClientErrorHandler } from './client-error.js';
import { sendHostError } from './host-error.js';
import type { LingeringClose } from './lingering-close.js';
import { createOriginGuard } from './origin-guard.js';
import { newRequestId, type RequestIdReader } from './request-id.js';
import type { RequestScope } from './request-scope.js';
import { badTargetBody, parseRequestTarget, refuseRequestTarget } from './request-target.js';
import { createRouter, type Route, type RouteHandler, type Router, type UpgradeHandler } from './routing.js';

// What routes are written against. They live apart, so that the modules the host is built from
// need not import the host; routes name them from here.
export type { RequestScope } from './request-scope.js';
export type { Route, RouteHandler, UpgradeHandler } from './routing.js';

/** The server's own limits on how long a client may take. */
export interface HostTimeouts {
  /** To send the request line and headers (slow-loris headers). */
  headersMs: number;
  /** To send the whole request, body included (uploads are also cut off when idle: files-routes). */
  requestMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
}

/** A request the host answered, as metrics see it: the route's pattern, never the raw path. */
export interface FinishedRequest {
  method: string;
  route: string;
  status: number;
  seconds: number;
}

export interface HostOptions {
  log: Logger;
  audit: AuditService;
  refusalGate: RefusalAuditGate;
  originPolicy: OriginPolicy;
  clientIp: ClientIpResolver;
  requestId: RequestIdReader;
  routes: Route[];
  /** Answers what no route does (the built client); a JSON 404 otherwise. */
  fallback?: RouteHandler;
  upgrade?: UpgradeHandler;
  timeouts: HostTimeouts;
  /** Closes connections whose client is still sending (bodies and heads too large, refused upgrades). */
  lingering: LingeringClose;
  /** Told of every answered request (metrics). */
  onFinished?: (request: FinishedRequest) => void;
}

/**
 * The HTTP server: request ids, CORS, the origin rule and routing. Everything app-specific is a
 * route handed in by the composition root.
 */
export function createHttpHost(opts: HostOptions): http.Server {
  /** The response under way on each connection, so that a client error is never written into it. */
  const responding = new WeakMap<Duplex, ServerResponse>();
  // Node enforces headersTimeout and requestTimeout only when it checks its connections: often enough to honour them.
  const server = http.createServer({ connectionsCheckingInterval: Math.min(1000, opts.timeouts.headersMs) }, createRequestListener(opts, responding));
  server.headersTimeout = opts.timeouts.headersMs;
  server.requestTimeout = opts.timeouts.requestMs;
  server.keepAliveTimeout = opts.timeouts.keepAliveMs;
  server.on('clientError', createClientErrorHandler({
    log: opts.log,
    lingering: opts.lingering,
    maxHeaderBytes: http.maxHeaderSize,
    newRequestId,
    answering: (socket) => {
      const res = responding.get(socket);
      return res !== undefined && res.headersSent && !res.writableFinished;
    },
  }));
  server.on('upgrade', createUpgradeListener(opts));
  return server;
}

/** Answers each request: its scope, the common headers, the origin rule, then its route. */
function createRequestListener(opts: HostOptions, responding: WeakMap<Duplex, ServerResponse>): http.RequestListener {
  const { log, lingering } = opts;
  const router = createRouter(opts.routes, opts.fallback);
  const guardOrigin = createOriginGuard(opts);

  async function answer(req: IncomingMessage, res: ServerResponse, scope: RequestScope): Promise<void> {
    res.setHeader('X-Request-Id', scope.requestId);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (scope.url.pathname.startsWith('/api/')) res.setHeader('Cache-Control', 'no-store');
    if (await guardOrigin(req, res, scope)) return;
    await router.dispatch(req, res, scope);
  }

  return (req, res) => {
    // A request sent behind a body the server refused, on a connection it said it would close.
    if (lingering.has(req.socket)) {
      req.socket.destroy();
      return;
    }
    responding.set(req.socket, res);
    lingering.watch(req, res);
    const scope = scopeOf(req, opts);
    if (!scope) {
      refuseRequestTarget(res, opts.requestId(req));
      return;
    }
    reportWhenFinished(req, res, scope, opts, router);
    answer(req, res, scope).catch((error: unknown) => {
      log.error({ err: error, requestId: scope.requestId }, 'request failed');
      if (!res.headersSent) sendHostError(res, scope, 500, 'INTERNAL_SERVER_ERROR', 'Something went wrong on our side. Please try again in a moment.');
      else res.destroy();
    });
  };
}

/** Hands an upgrade with a valid target to the WebSocket host; without one, there is none to take it. */
function createUpgradeListener(opts: HostOptions): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { log, lingering } = opts;
  return (req, socket, head) => {
    // A client may reset the connection while we answer: that is its business, not a crash of ours.
    const onSocketError = (error: Error) => { log.debug({ err: error }, 'upgrade connection failed'); };
    socket.on('error', onSocketError);
    const scope = scopeOf(req, opts);
    if (!scope) {
      lingering.answer(socket, 400, badTargetBody(opts.requestId(req)));
      return;
    }
    if (opts.upgrade) opts.upgrade(req, socket, head, scope, () => socket.off('error', onSocketError));
    else socket.destroy();
  };
}

/** The scope of a request, or undefined when its target is no URL at all. */
function scopeOf(req: IncomingMessage, opts: Pick<HostOptions, 'requestId' | 'clientIp'>): RequestScope | undefined {
  const url = parseRequestTarget(req.url);
  return url && { requestId: opts.requestId(req), ip: opts.clientIp(req), url };
}

/** Logs the answered request and tells metrics of it under its route's pattern. */
function reportWhenFinished(req: IncomingMessage, res: ServerResponse, scope: RequestScope, opts: Pick<HostOptions, 'log' | 'onFinished'>, router: Router): void {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    opts.log.info({ requestId: scope.requestId, method: req.method, path: scope.url.pathname, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    const method = req.method ?? 'GET';
    opts.onFinished?.({ method, route: router.label(method, scope.url.pathname), status: res.statusCode, seconds: ms / 1000 });
  });
}
