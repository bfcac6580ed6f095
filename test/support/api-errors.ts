import { expect } from 'vitest';
import { z } from 'zod';
import type { TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../../src/server/api/root.js';
import { apiErrorDataSchema, restErrorBodySchema, type ApiErrorCode, type RestErrorBody } from '../../src/shared/errors.js';
import { isTrpcError } from './trpc-client.js';

export type TrpcClientError = TRPCClientError<AppRouter>;

/** Awaits a call that must fail with a tRPC error, and returns that error. */
export async function trpcFailure(call: Promise<unknown>): Promise<TrpcClientError> {
  let outcome: unknown;
  try {
    outcome = await call;
  } catch (error) {
    if (isTrpcError(error)) return error;
    throw error;
  }
  return expect.unreachable(`expected the call to fail, it answered ${JSON.stringify(outcome)}`);
}

/** Checks the code, the HTTP status the error says it has, and the status the response really had. */
export function expectTrpcCode(error: TrpcClientError, code: ApiErrorCode, status: number): void {
  expect(error.data?.code).toBe(code);
  expect(error.data?.httpStatus).toBe(status);
  const response = error.meta?.response;
  expect(response).toBeInstanceOf(Response);
  if (response instanceof Response) expect(response.status).toBe(status);
}

/**
 * A message a person can act on: a sentence that starts with a capital, has some words, and
 * carries no programmer's debris (stack frames, "undefined", object dumps, driver names).
 */
export function expectActionableMessage(message: string | undefined): void {
  expect(message).toBeTypeOf('string');
  const text = message ?? '';
  expect(text).toMatch(/^[A-Z]/);
  expect(text.split(/\s+/).length).toBeGreaterThanOrEqual(5);
  expect(text).not.toMatch(/undefined|\[object|\bat .+:\d+|Error:|sequelize|SQLITE|\bselect\b/i);
}

export async function restError(response: Response): Promise<RestErrorBody['error']> {
  const parsed = restErrorBodySchema.parse(await response.json());
  return parsed.error;
}

/** tRPC's error envelope, as the typed client reads it. */
export const trpcErrorBodySchema = z.object({
  error: z.object({ code: z.number().int(), message: z.string(), data: apiErrorDataSchema }),
});
