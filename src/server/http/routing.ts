import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { sendHostError } from './host-error.js';
import type { RequestScope } from './request-scope.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, scope: RequestScope) => unknown;
/** `upgraded` is called once a WebSocket owns the socket (and its error handling). */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, scope: RequestScope, upgraded: () => void) => void;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** An exact path, or a prefix when it ends with `/`. */
  path: string;
  handle: RouteHandler;
}

/** Methods that change nothing: the only ones the fallback answers and a foreign origin may send. */
export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface Router {
  /** Hands the request to its route, else to the fallback, else answers 404. */
  dispatch(req: IncomingMessage, res: ServerResponse, scope: RequestScope): Promise<void>;
  /** The pattern a request matches, as metrics name it: a route's path (a prefix as `…/*`), `fallback` or `unmatched`. */
  label(method: string, pathname: string): string;
}

/** Routes the host's requests: a HEAD is answered as its GET, and the first route that matches wins. */
export function createRouter(routes: Route[], fallback?: RouteHandler): Router {
  const find = (method: string, pathname: string): Route | undefined =>
    routes.find((route) => (route.method === method || (method === 'HEAD' && route.method === 'GET')) &&
      (route.path.endsWith('/') ? pathname.startsWith(route.path) : pathname === route.path));
  return {
    async dispatch(req, res, scope) {
      const method = req.method ?? 'GET';
      const route = find(method, scope.url.pathname);
      if (route) await route.handle(req, res, scope);
      else if (fallback && SAFE_METHODS.has(method)) await fallback(req, res, scope);
      else sendHostError(res, scope, 404, 'NOT_FOUND', `Nothing is served at ${req.method ?? ''} ${scope.url.pathname}.`);
    },
    label(method, pathname) {
      const route = find(method, pathname);
      if (route) return route.path.endsWith('/') ? `${route.path}*` : route.path;
      return fallback && SAFE_METHODS.has(method) ? 'fallback' : 'unmatched';
    },
  };
}
