import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRPCError } from '@trpc/server';
import { getTRPCErrorFromUnknown } from '@trpc/server';
import { createCaller } from '../api/root.js';
import { describeError } from '../api/error-shape.js';
import type { HttpContextFactory } from './api-context.js';
import { BodyError, ClientGoneError, readJsonBody, sendJson, sendJsonToRequest } from './json-response.js';

type Procedure = 'generate' | 'validate';

/**
 * `POST /api/session/generate-uuid` and `POST /api/session/validate-uuid`: the same procedures,
 * limits and JSON as tRPC, for clients that do not speak it.
 */
export function createRestAlias(procedure: Procedure, makeContext: HttpContextFactory) {
  return async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    const ctx = makeContext(req, res, requestId);
    try {
      const body = await readJsonBody(req).catch((error: unknown) => {
        if (error instanceof BodyError) throw new TRPCError({ code: error.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', message: error.message });
        throw error;
      });
      const caller = createCaller(ctx);
      const output = procedure === 'generate' ? await caller.session.generate() : await caller.session.validate(body as { sessionId: string });
      sendJson(res, 200, output);
    } catch (error) {
      if (error instanceof ClientGoneError) {
        ctx.deps.log.debug({ requestId }, 'REST alias: the client left before its body arrived');
        return;
      }
      const trpcError = getTRPCErrorFromUnknown(error);
      if (trpcError.code === 'INTERNAL_SERVER_ERROR') ctx.deps.log.error({ err: trpcError.cause ?? trpcError, requestId }, 'REST alias failed');
      const { message, data } = describeError(trpcError, requestId);
      sendJsonToRequest(req, res, data.httpStatus, { error: { message, ...data } });
    }
  };
}
