import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import cors, { type CorsOptions } from 'cors';
import type { Logger } from '../logger.js';
import type { AuditService } from '../services/audit/audit.service.js';
import type { OriginPolicy } from '../security/origin-policy.js';
import type { RefusalAuditGate } from '../security/rate-limits.js';
import type { ClientIpResolver } from './client-ip.js';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { ApiErrorCode } from '../../shared/errors.js';
import { sendError, sendJson } from './json-response.js';
import type { RequestIdReader } from './request-id.js';
import { TRPC_PATH } from './paths.js';

/** One request as the host hands it to a route: the id that joins its log lines and audit rows. */
export interface RequestScope {
  requestId: string;
  ip: string;
  url: URL;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, scope: RequestScope) => unknown;
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, scope: RequestScope) => void;

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** An exact path, or a prefix when it ends with `/`. */
  path: string;
  handle: RouteHandler;
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
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const EXPOSED_HEADERS = ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Request-Id'];

/**
 * An error the host itself answers. A tRPC client reads errors only in tRPC's envelope (with
 * `data.code`); any other client reads the REST one the aliases use.
 */
function sendHostError(res: ServerResponse, scope: RequestScope, status: number, code: ApiErrorCode, message: string): void {
  if (scope.url.pathname.startsWith(`${TRPC_PATH}/`)) {
    sendJson(res, status, { error: { code: TRPC_ERROR_CODES_BY_KEY[code], message, data: { code, httpStatus: status, requestId: scope.requestId } } });
  } else {
    sendError(res, status, code, message, scope.requestId);
  }
}

function matchRoute(routes: Route[], method: string, pathname: string): Route | undefined {
  return routes.find((route) => (route.method === method || (method === 'HEAD' && route.method === 'GET')) &&
    (route.path.endsWith('/') ? pathname.startsWith(route.path) : pathname === route.path));
}

/**
 * The HTTP server: request ids, CORS, the origin rule and routing. Everything app-specific is a
 * route handed in by the composition root.
 */
export function createHttpHost(opts: HostOptions): http.Server {
  const { log, originPolicy } = opts;
  const corsMiddleware = cors((req, callback) => {
    const origin = req.headers.origin;
    const allowed = origin !== undefined && originPolicy.isAllowed(origin, req.headers.host);
    const options: CorsOptions = { origin: allowed, credentials: allowed, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 };
    callback(null, options);
  });

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

    await new Promise<void>((resolve, reject) => {
      corsMiddleware(req, res, (error?: unknown) => { if (error) reject(error instanceof Error ? error : new Error("CORS check failed")); else resolve(); });
    });
    if (res.writableEnded) return; // a preflight, answered by cors

    const origin = req.headers.origin;
    if (origin !== undefined && !SAFE_METHODS.has(req.method ?? 'GET') && !originPolicy.isAllowed(origin, req.headers.host)) {
      await refuseForeignOrigin(req, res, scope, origin);
      return;
    }

    const route = matchRoute(opts.routes, req.method ?? 'GET', scope.url.pathname);
    if (route) await route.handle(req, res, scope);
    else if (opts.fallback && SAFE_METHODS.has(req.method ?? 'GET')) await opts.fallback(req, res, scope);
    else sendHostError(res, scope, 404, 'NOT_FOUND', `Nothing is served at ${req.method ?? ''} ${scope.url.pathname}.`);
  }

  function scopeOf(req: IncomingMessage): RequestScope {
    return { requestId: opts.requestId(req), ip: opts.clientIp(req), url: new URL(req.url ?? '/', 'http://localhost') };
  }

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const scope = scopeOf(req);
    res.once('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.info({ requestId: scope.requestId, method: req.method, path: scope.url.pathname, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    handle(req, res, scope).catch((error: unknown) => {
      log.error({ err: error, requestId: scope.requestId }, 'request failed');
      if (!res.headersSent) sendHostError(res, scope, 500, 'INTERNAL_SERVER_ERROR', 'Something went wrong on our side. Please try again in a moment.');
      else res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const scope = scopeOf(req);
    if (opts.upgrade) opts.upgrade(req, socket, head, scope);
    else socket.destroy();
  });
  return server;
}
