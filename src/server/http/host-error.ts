import type { ServerResponse } from 'node:http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { ApiErrorCode } from '../../shared/errors.js';
import type { RequestScope } from './request-scope.js';
import { sendError, sendJson } from './json-response.js';
import { TRPC_PATH } from './paths.js';

/** The codes tRPC's envelope can carry: all but INSUFFICIENT_STORAGE, which only the upload route answers. */
type HostErrorCode = Extract<ApiErrorCode, keyof typeof TRPC_ERROR_CODES_BY_KEY>;

/**
 * An error answered before any procedure runs. A tRPC client reads errors only in tRPC's envelope
 * (with `data.code`); any other client reads the REST one the aliases use.
 */
export function sendHostError(res: ServerResponse, scope: RequestScope, status: number, code: HostErrorCode, message: string): void {
  if (scope.url.pathname.startsWith(`${TRPC_PATH}/`)) {
    sendJson(res, status, { error: { code: TRPC_ERROR_CODES_BY_KEY[code], message, data: { code, httpStatus: status, requestId: scope.requestId } } });
  } else {
    sendError(res, status, code, message, scope.requestId);
  }
}
