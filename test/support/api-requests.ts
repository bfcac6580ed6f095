import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { TestApp } from './test-app.js';

export const REST_GENERATE = '/api/session/generate-uuid';
export const REST_VALIDATE = '/api/session/validate-uuid';
export const FOREIGN_ORIGIN = 'http://evil.example';
export const ALLOWED_ORIGIN = 'http://allowed.example';
/** A well-formed session id that no test ever creates. */
export const UNKNOWN_SESSION_ID = '0b5c6f8e-4d1a-4c3e-9f2b-7a8d9e0f1a2b';
/** Enough budget for suites that are not about rate limiting. */
export const GENEROUS_LIMITS = { RATE_LIMIT_PER_MINUTE: '100000' } as const;

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
