import type { TRPCError } from '@trpc/server';
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import { TRPC_MAX_BATCH, TRPC_MAX_BODY_BYTES } from '../../shared/limits.js';
import type { Logger } from '../logger.js';
import { TRPC_BODY_TOO_LARGE_MESSAGE } from '../api/error-shape.js';
import { appRouter } from '../api/root.js';
import type { ApiContext } from '../api/context.js';
import type { HttpContextFactory } from './api-context.js';
import type { RouteHandler } from './host.js';
import { sendHostError } from './host-error.js';
import { TRPC_PATH } from './paths.js';
import { createJsonCalls } from './trpc-json-calls.js';

/** tRPC keeps its procedures flat by dotted path ("session.events") at run time. */
const SUBSCRIPTION_PATHS = new Set(
  Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)
    .filter(([, procedure]) => procedure._def.type === 'subscription')
    .map(([path]) => path),
);

/** Subscriptions are a WebSocket feature here: over HTTP they would escape the per-socket limits. */
function asksForSubscription(paths: string): boolean {
  return paths.split(',').some((path) => SUBSCRIPTION_PATHS.has(path));
}

function declaredLength(header: string | undefined): number | undefined {
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
}

/**
 * tRPC sets its own Vary, replacing the host's `Vary: Origin`; the CORS headers depend on the Origin,
 * so it goes back. A body tRPC's counter cut off is left unread: the connection closes after the
 * 413, as it does when the length is declared.
 */
export function answerHeaders(errors: readonly TRPCError[]): [string, string][] {
  const headers: [string, string][] = [['vary', 'Origin']];
  if (errors.some((error) => error.code === 'PAYLOAD_TOO_LARGE')) headers.push(['connection', 'close']);
  return headers;
}

export function createTrpcRoute(makeContext: HttpContextFactory, log: Logger): RouteHandler {
  const onError = (error: TRPCError, path: string | undefined, requestId: string) => {
    if (error.code === 'INTERNAL_SERVER_ERROR') log.error({ err: error.cause ?? error, path, requestId }, 'procedure failed');
  };
  const jsonCalls = createJsonCalls<ApiContext>({ router: appRouter, maxBodyBytes: TRPC_MAX_BODY_BYTES, maxBatch: TRPC_MAX_BATCH, headersFor: answerHeaders });
  return async (req, res, scope) => {
    const path = scope.url.pathname.slice(TRPC_PATH.length + 1);
    if (asksForSubscription(path)) {
      sendHostError(res, scope, 405, 'METHOD_NOT_SUPPORTED', `Subscriptions are served over the WebSocket at ${TRPC_PATH} only. Open a WebSocket there and subscribe.`);
      return;
    }
    // A streamed answer sends its headers before any procedure runs, but procedures here set the
    // cookie and the RateLimit headers: batches are answered whole.
    if (req.headers['trpc-accept'] === 'application/jsonl') {
      sendHostError(res, scope, 400, 'BAD_REQUEST', 'This server answers batches whole, not streamed. Use httpBatchLink rather than httpBatchStreamLink.');
      return;
    }
    // Refused before a byte is read; a body that grows past the limit unannounced is cut off by tRPC's own counter.
    // Either way the host reads and drops what the client still sends before it closes (lingering-close).
    if ((declaredLength(req.headers['content-length']) ?? 0) > TRPC_MAX_BODY_BYTES) {
      res.setHeader('Connection', 'close');
      sendHostError(res, scope, 413, 'PAYLOAD_TOO_LARGE', TRPC_BODY_TOO_LARGE_MESSAGE);
      return;
    }
    const createContext = () => makeContext(req, res, scope.requestId);
    const report = (error: TRPCError, failed: string | undefined) => { onError(error, failed, scope.requestId); };
    if (await jsonCalls.answer(req, res, { path, url: scope.url, createContext, onError: report })) return;
    await nodeHTTPRequestHandler({
      req,
      res,
      path,
      router: appRouter,
      maxBodySize: TRPC_MAX_BODY_BYTES,
      maxBatchSize: TRPC_MAX_BATCH,
      createContext,
      responseMeta: ({ errors }) => ({ headers: new Headers(answerHeaders(errors)) }),
      onError: ({ error, path: failed }) => { report(error, failed); },
    });
  };
}
