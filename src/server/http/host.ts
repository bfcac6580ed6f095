import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import cors from 'cors';
import type { Logger } from '../logger.js';
import type { AuditService } from '../services/audit/audit.service.js';
import type { OriginPolicy } from './origin-policy.js';
import type { RefusalAuditGate } from '../security/rate-limits.js';
import type { ClientIpResolver } from './client-ip.js';
import { createClientErrorHandler } from './client-error.js';
import { errorBody, sendError } from './json-response.js';
import { sendHostError } from './host-error.js';
import type { LingeringClose } from './lingering-close.js';
import { newRequestId, type RequestIdReader } from './request-id.js';
import { parseRequestTarget } from './request-target.js';
import type { RequestScope } from './request-scope.js';

// Routes have always named it from here; it lives apart so that host-error.ts need not import the host.
export type { RequestScope } from './request-scope.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, scope: RequestScope) => unknown;
/** `upgraded` is called once a WebSocket owns the socket (and its error handling). */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, scope: RequestScope, upgraded: () => void) => void;

/** The server's own limits on how long a client may take. */
export interface HostTimeouts {
  /** To send the request line and headers (slow-loris headers). */
  headersMs: number;
  /** To send the whole request, body included (uploads are also cut off when idle: files-routes). */
  requestMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** An exact path, or a prefix when it ends with `/`. */
  path: string;
  handle: RouteHandler;
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

const BAD_TARGET_MESSAGE = 'The request target is not a valid URL path. Send a path such as /api/trpc/session.current.';

function badTargetBody(requestId: string): string {
  return JSON.stringify(errorBody(400, 'BAD_REQUEST', BAD_TARGET_MESSAGE, requestId));
}

function refuseRequestTarget(res: ServerResponse, requestId: string): void {
  res.setHeader('X-Request-Id', requestId);
  res.setHeader('Connection', 'close');
  sendError(res, 400, 'BAD_REQUEST', BAD_TARGET_MESSAGE, requestId);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const EXPOSED_HEADERS = ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Request-Id'];

function matchRoute(routes: Route[], method: string, pathname: string): Route | undefined {
  return routes.find((route) => (route.method === method || (method === 'HEAD' && route.method === 'GET')) &&
    (route.path.endsWith('/') ? pathname.startsWith(route.path) : pathname === route.path));
}

/** The pattern a request matched: a route's path (a prefix as `…/*`), the fallback, or none. */
function routeLabel(opts: HostOptions, method: string, pathname: string): string {
  const route = matchRoute(opts.routes, method, pathname);
  if (route) return route.path.endsWith('/') ? `${route.path}*` : route.path;
  return opts.fallback && SAFE_METHODS.has(method) ? 'fallback' : 'unmatched';
}

/**
 * The HTTP server: request ids, CORS, the origin rule and routing. Everything app-specific is a
 * route handed in by the composition root.
 */
export function createHttpHost(opts: HostOptions): http.Server {
  const { log, originPolicy, lingering } = opts;
  // Decided per request by the origin policy: an allowed origin is reflected with credentials, any
  // other gets no CORS header at all.
  const corsFor = {
    allowed: cors({ origin: true, credentials: true, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 }),
    refused: cors({ origin: false, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 }),
  };

  /** A page of a foreign origin may not change state here, whatever cookie its request carries. */
  async function refuseForeignOrigin(req: IncomingMessage, res: ServerResponse, scope: RequestScope, origin: string): Promise<void> {
    // Recorded before the answer, as every other refusal is, so the row exists once the client hears no.
    try {
      if (await opts.refusalGate.shouldRecord('origin.rejected', scope.ip)) {
        await opts.audit.record({
          event: 'origin.rejected',
          outcome: 'refused',
          actor: { ip: scope.ip, userAgent: req.headers['user-agent'] ?? null, requestId: scope.requestId },
          metadata: { origin: origin.slice(0, 200), method: req.method ?? '', path: scope.url.pathname.slice(0, 200) },
        });
      }
    } catch (error) {
      log.error({ err: error, requestId: scope.requestId }, 'could not record a refused origin');
    }
    sendHostError(res, scope, 403, 'FORBIDDEN', `Requests from ${origin} may not use this app. Open the app from its own address.`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, scope: RequestScope): Promise<void> {
    res.setHeader('X-Request-Id', scope.requestId);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (scope.url.pathname.startsWith('/api/')) res.setHeader('Cache-Control', 'no-store');

    const origin = req.headers.origin;
    const allowed = origin !== undefined && originPolicy.isAllowed(origin, req);
    await new Promise<void>((resolve, reject) => {
      corsFor[allowed ? 'allowed' : 'refused'](req, res, (error?: unknown) => { if (error) reject(error instanceof Error ? error : new Error("CORS check failed")); else resolve(); });
    });
    if (res.writableEnded) return; // a preflight, answered by cors

    if (origin !== undefined && !allowed && !SAFE_METHODS.has(req.method ?? 'GET')) {
      await refuseForeignOrigin(req, res, scope, origin);
      return;
    }

    const route = matchRoute(opts.routes, req.method ?? 'GET', scope.url.pathname);
    if (route) await route.handle(req, res, scope);
    else if (opts.fallback && SAFE_METHODS.has(req.method ?? 'GET')) await opts.fallback(req, res, scope);
    else sendHostError(res, scope, 404, 'NOT_FOUND', `Nothing is served at ${req.method ?? ''} ${scope.url.pathname}.`);
  }

  /** The scope of a request, or undefined when its target is no URL at all. */
  function scopeOf(req: IncomingMessage): RequestScope | undefined {
    const url = parseRequestTarget(req.url);
    return url && { requestId: opts.requestId(req), ip: opts.clientIp(req), url };
  }

  /** The response under way on each connection, so that a client error is never written into it. */
  const responding = new WeakMap<Duplex, ServerResponse>();
  // Node enforces headersTimeout and requestTimeout only when it checks its connections: often enough to honour them.
  const server = http.createServer({ connectionsCheckingInterval: Math.min(1000, opts.timeouts.headersMs) }, (req, res) => {
    // A request sent behind a body the server refused, on a connection it said it would close.
    if (lingering.has(req.socket)) {
      req.socket.destroy();
      return;
    }
    responding.set(req.socket, res);
    lingering.watch(req, res);
    const started = process.hrtime.bigint();
    const scope = scopeOf(req);
    if (!scope) {
      refuseRequestTarget(res, opts.requestId(req));
      return;
    }
    res.once('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.info({ requestId: scope.requestId, method: req.method, path: scope.url.pathname, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
      const method = req.method ?? 'GET';
      opts.onFinished?.({ method, route: routeLabel(opts, method, scope.url.pathname), status: res.statusCode, seconds: ms / 1000 });
    });
    handle(req, res, scope).catch((error: unknown) => {
      log.error({ err: error, requestId: scope.requestId }, 'request failed');
      if (!res.headersSent) sendHostError(res, scope, 500, 'INTERNAL_SERVER_ERROR', 'Something went wrong on our side. Please try again in a moment.');
      else res.destroy();
    });
  });
  server.headersTimeout = opts.timeouts.headersMs;
  server.requestTimeout = opts.timeouts.requestMs;
  server.keepAliveTimeout = opts.timeouts.keepAliveMs;
  server.on('clientError', createClientErrorHandler({
    log,
    lingering,
    maxHeaderBytes: http.maxHeaderSize,
    newRequestId,
    answering: (socket) => {
      const res = responding.get(socket);
      return res !== undefined && res.headersSent && !res.writableFinished;
    },
  }));

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client may reset the connection while we answer: that is its business, not a crash of ours.
    const onSocketError = (error: Error) => { log.debug({ err: error }, 'upgrade connection failed'); };
    socket.on('error', onSocketError);
    const scope = scopeOf(req);
    if (!scope) {
      lingering.answer(socket, 400, badTargetBody(opts.requestId(req)));
      return;
    }
    if (opts.upgrade) opts.upgrade(req, socket, head, scope, () => socket.off('error', onSocketError));
    else socket.destroy();
  });
  return server;
}
