import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import type { Logger } from '../logger.js';
import { appRouter } from '../api/root.js';
import type { HttpContextFactory } from './api-context.js';
import type { RouteHandler } from './host.js';
import { TRPC_PATH } from './paths.js';

export function createTrpcRoute(makeContext: HttpContextFactory, log: Logger): RouteHandler {
  return (req, res, scope) =>
    nodeHTTPRequestHandler({
      req,
      res,
      path: scope.url.pathname.slice(TRPC_PATH.length + 1),
      router: appRouter,
      createContext: () => makeContext(req, res, scope.requestId),
      // tRPC sets its own Vary, replacing the host's `Vary: Origin`; the CORS headers depend on the Origin, so add it back.
      responseMeta: () => ({ headers: new Headers([['vary', 'Origin']]) }),
      onError: ({ error, path }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') log.error({ err: error.cause ?? error, path, requestId: scope.requestId }, 'procedure failed');
      },
    });
}
