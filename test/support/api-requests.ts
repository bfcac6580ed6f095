import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { expect } from 'vitest';
import { z } from 'zod';
import type { TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../../src/server/api/root.js';
import { apiErrorDataSchema, restErrorBodySchema, type ApiErrorCode, type RestErrorBody } from '../../src/shared/errors.js';
import { CREDENTIAL_COOKIE } from '../../src/shared/limits.js';
import type { TestApp } from './test-app.js';
import { isTrpcError } from './trpc-client.js';

export const REST_GENERATE = '/api/session/generate-uuid';
export const REST_VALIDATE = '/api/session/validate-uuid';
export const FOREIGN_ORIGIN = 'http://evil.example';
export const ALLOWED_ORIGIN = 'http://allowed.example';
/** A well-formed session id that no test ever creates. */
export const UNKNOWN_SESSION_ID = '0b5c6f8e-4d1a-4c3e-9f2b-7a8d9e0f1a2b';
/** Enough budget for suites that are not about rate limiting. */
export const GENEROUS_LIMITS = { RATE_LIMIT_PER_MINUTE: '100000' } as const;

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

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** A request by node:http, which (unlike fetch) lets a test choose the Host header. */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: request.path, method: request.method ?? 'POST', headers: request.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }); });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

/** POSTs JSON with fetch (a REST alias, or a raw tRPC call). */
export function postJson(baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export async function restError(response: Response): Promise<RestErrorBody['error']> {
  const parsed = restErrorBodySchema.parse(await response.json());
  return parsed.error;
}

/** tRPC's error envelope, as the typed client reads it. */
export const trpcErrorBodySchema = z.object({
  error: z.object({ code: z.number().int(), message: z.string(), data: apiErrorDataSchema }),
});

export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names in lower case; flags map to true. */
  attributes: Map<string, string | true>;
}

export function parseSetCookie(line: string): SetCookie {
  const [pair = '', ...rest] = line.split(';');
  const eq = pair.indexOf('=');
  const attributes = new Map<string, string | true>();
  for (const part of rest) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const at = trimmed.indexOf('=');
    if (at === -1) attributes.set(trimmed.toLowerCase(), true);
    else attributes.set(trimmed.slice(0, at).toLowerCase(), trimmed.slice(at + 1));
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}

/** The credential cookies a response sets (from fetch's Headers or node:http's headers). */
export function credentialCookies(source: Headers | http.IncomingHttpHeaders | undefined): SetCookie[] {
  if (source === undefined) return [];
  const lines = source instanceof Headers ? source.getSetCookie() : (source['set-cookie'] ?? []);
  return lines.map(parseSetCookie).filter((cookie) => cookie.name === CREDENTIAL_COOKIE || cookie.name === `__Host-${CREDENTIAL_COOKIE}`);
}

/** The one credential cookie a response must set. */
export function theCredentialCookie(source: Headers | http.IncomingHttpHeaders | undefined): SetCookie {
  const cookies = credentialCookies(source);
  expect(cookies).toHaveLength(1);
  const [cookie] = cookies;
  if (!cookie) return expect.unreachable('no credential cookie was set');
  return cookie;
}

export function cookieHeader(credential: string): string {
  return `${CREDENTIAL_COOKIE}=${credential}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function countSessions(t: TestApp): Promise<number> {
  return t.app.db.models.UserSession.count();
}

export async function auditRows(t: TestApp, event?: string) {
  // Successful validations are queued, not awaited: let what the requests queued commit first.
  await t.app.services.audit.flush();
  const { AuditLog } = t.app.db.models;
  return AuditLog.findAll({ where: event === undefined ? {} : { event }, order: [['id', 'ASC']] });
}

/** A unique value, for Redis prefixes and user agents that must not meet another test's. */
export function unique(label: string): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}
