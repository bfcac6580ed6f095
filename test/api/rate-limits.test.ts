import { describe, expect, it } from 'vitest';
import { CREDENTIAL_COOKIE } from '../../src/shared/limits.js';
import type { SessionView } from '../../src/shared/session.js';
import { DATABASE_KINDS, type DatabaseKind } from '../support/databases.js';
import { useTestAppsPerTest } from '../support/test-app.js';
import { createTestClient } from '../support/trpc-client.js';
import { expectActionableMessage, expectTrpcCode, restError, trpcFailure, type TrpcClientError } from '../support/api-errors.js';
import { credentialCookies } from '../support/set-cookies.js';
import {
  REST_GENERATE,
  REST_VALIDATE,
  UNKNOWN_SESSION_ID,
  auditRows,
  countSessions,
  postJson,
  unique,
} from '../support/api-requests.js';

/** The documented default: 10 requests per minute per client on each of generate, reset and the validations that prove nothing. */
const LIMIT = 10;
const WINDOW_SECONDS = 60;

/** Reads `RateLimit: limit=10, remaining=3, reset=42`. */
function parseRateLimit(header: string | null): { limit: number; remaining: number; reset: number } {
  const fields = new Map((header ?? '').split(',').map((part) => {
    const [key = '', value = ''] = part.trim().split('=');
    return [key, Number(value)] as const;
  }));
  return { limit: fields.get('limit') ?? NaN, remaining: fields.get('remaining') ?? NaN, reset: fields.get('reset') ?? NaN };
}

/** A refusal as the contract has it: Retry-After, RateLimit and RateLimit-Policy headers and a human sentence. */
function expectRefusalHeaders(headers: Headers | undefined): number {
  const retryAfter = Number(headers?.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
  expect(headers?.get('ratelimit-policy')).toBe(`${LIMIT};w=${WINDOW_SECONDS}`);
  const rateLimit = parseRateLimit(headers?.get('ratelimit') ?? null);
  expect(rateLimit).toEqual({ limit: LIMIT, remaining: 0, reset: retryAfter });
  return retryAfter;
}

function expectTrpcRefusal(error: TrpcClientError): void {
  expectTrpcCode(error, 'TOO_MANY_REQUESTS', 429);
  const response = error.meta?.response;
  const retryAfter = expectRefusalHeaders(response instanceof Response ? response.headers : undefined);
  expect(error.data?.retryAfterSeconds).toBe(retryAfter);
  expectActionableMessage(error.message);
  expect(error.message).toMatch(new RegExp(`wait ${retryAfter} seconds?`));
}

describe.each(DATABASE_KINDS)('rate limits on %s', (kind: DatabaseKind) => {
  /** A fresh app has a fresh budget: its own Redis prefix unless told to share one. */
  const start = useTestAppsPerTest({ database: kind });

  it('lets 10 session.generate calls a minute through, counting down, and refuses the 11th with 429', async () => {
    const t = await start();
    const browser = createTestClient(t.url);
    for (let i = 1; i <= LIMIT; i += 1) {
      await browser.client.session.generate.mutate();
      const headers = browser.lastResponse?.headers;
      expect(headers?.get('ratelimit-policy')).toBe(`${LIMIT};w=${WINDOW_SECONDS}`);
      expect(parseRateLimit(headers?.get('ratelimit') ?? null)).toMatchObject({ limit: LIMIT, remaining: LIMIT - i });
      expect(headers?.get('retry-after')).toBeNull();
    }
    const credential = browser.jar.get(CREDENTIAL_COOKIE);

    const error = await trpcFailure(browser.client.session.generate.mutate());
    expectTrpcRefusal(error);
    expect(credentialCookies(browser.lastResponse?.headers)).toEqual([]);
    expect(browser.jar.get(CREDENTIAL_COOKIE)).toBe(credential);
    expect(await countSessions(t)).toBe(LIMIT);
  });

  it('gives generate, failing validations and reset a budget each', async () => {
    const t = await start();
    const browser = createTestClient(t.url);
    let session: SessionView | undefined;
    for (let i = 0; i < LIMIT; i += 1) session = await browser.client.session.generate.mutate();
    if (!session) return expect.unreachable('no session was generated');
    expectTrpcRefusal(await trpcFailure(browser.client.session.generate.mutate()));

    // Validations that prove nothing (an unknown id) have the address's budget; the session's own validations do not spend it.
    for (let i = 0; i < LIMIT; i += 1) expect((await browser.client.session.validate.mutate({ sessionId: UNKNOWN_SESSION_ID })).valid).toBe(false);
    expectTrpcRefusal(await trpcFailure(browser.client.session.validate.mutate({ sessionId: UNKNOWN_SESSION_ID })));
    expect((await browser.client.session.validate.mutate({ sessionId: session.sessionId })).valid).toBe(true);

    let current = session;
    for (let i = 0; i < LIMIT; i += 1) current = await browser.client.session.reset.mutate({ sessionId: current.sessionId });
    const sessionsBefore = await countSessions(t);
    expectTrpcRefusal(await trpcFailure(browser.client.session.reset.mutate({ sessionId: current.sessionId })));
    expect(await countSessions(t)).toBe(sessionsBefore);
    expect((await t.app.db.models.UserSession.findByPk(current.sessionId))?.status).toBe('active');

    // session.current is not one of the limited procedures.
    expect(await browser.client.session.current.query()).toMatchObject({ sessionId: current.sessionId });
  });

  it('counts the REST aliases against the same budget as the procedures', async () => {
    const t = await start();
    const browser = createTestClient(t.url);
    for (let i = 0; i < LIMIT / 2; i += 1) await browser.client.session.generate.mutate();
    for (let i = 0; i < LIMIT / 2; i += 1) expect((await postJson(t.url, REST_GENERATE, undefined)).status).toBe(200);

    const refused = await postJson(t.url, REST_GENERATE, undefined);
    expect(refused.status).toBe(429);
    const retryAfter = expectRefusalHeaders(refused.headers);
    const error = await restError(refused);
    expect(error).toMatchObject({ code: 'TOO_MANY_REQUESTS', httpStatus: 429, retryAfterSeconds: retryAfter });
    expect(error.requestId).toBe(refused.headers.get('x-request-id'));
    expectActionableMessage(error.message);
    expect(credentialCookies(refused.headers)).toEqual([]);
    expectTrpcRefusal(await trpcFailure(browser.client.session.generate.mutate()));
    expect(await countSessions(t)).toBe(LIMIT);

    for (let i = 0; i < LIMIT / 2; i += 1) expect((await postJson(t.url, REST_VALIDATE, { sessionId: UNKNOWN_SESSION_ID })).status).toBe(200);
    for (let i = 0; i < LIMIT / 2; i += 1) await browser.client.session.validate.mutate({ sessionId: UNKNOWN_SESSION_ID });
    expectTrpcRefusal(await trpcFailure(browser.client.session.validate.mutate({ sessionId: UNKNOWN_SESSION_ID })));
    const validateRefused = await postJson(t.url, REST_VALIDATE, { sessionId: UNKNOWN_SESSION_ID });
    expect(validateRefused.status).toBe(429);
    expectRefusalHeaders(validateRefused.headers);
  });

  it('shares one budget between two instances on one Redis', async () => {
    const redisPrefix = unique('tabsync-test:shared');
    const a = await start({ overrides: { redisPrefix } });
    const b = await start({ sharedDatabase: a.database, overrides: { redisPrefix } });
    const elsewhere = await start({ sharedDatabase: a.database });

    for (let i = 0; i < LIMIT / 2; i += 1) {
      expect((await postJson(a.url, REST_GENERATE, undefined)).status).toBe(200);
      expect((await postJson(b.url, REST_GENERATE, undefined)).status).toBe(200);
    }
    expectTrpcRefusal(await trpcFailure(createTestClient(a.url).client.session.generate.mutate()));
    expectTrpcRefusal(await trpcFailure(createTestClient(b.url).client.session.generate.mutate()));
    expect(await countSessions(a)).toBe(LIMIT);

    // An instance that counts under another prefix is another deployment, with its own budget.
    expect((await postJson(elsewhere.url, REST_GENERATE, undefined)).status).toBe(200);
  });

  it('ignores a forged X-Forwarded-For when TRUST_PROXY is unset', async () => {
    const t = await start();
    for (let i = 0; i < LIMIT; i += 1) {
      const response = await postJson(t.url, REST_GENERATE, undefined, { 'x-forwarded-for': `198.51.100.${i + 1}` });
      expect(response.status).toBe(200);
    }
    const browser = createTestClient(t.url, { headers: { 'x-forwarded-for': '203.0.113.200' } });
    expectTrpcRefusal(await trpcFailure(browser.client.session.generate.mutate()));
    const rest = await postJson(t.url, REST_GENERATE, undefined, { 'x-forwarded-for': '203.0.113.201, 198.51.100.77' });
    expect(rest.status).toBe(429);

    const ips = new Set((await auditRows(t)).map((row) => row.ip));
    expect([...ips]).toEqual(['127.0.0.1']);
  });

  it('gives each client address its own budget behind a trusted proxy (TRUST_PROXY=1)', async () => {
    const t = await start({ env: { TRUST_PROXY: '1' } });
    const first = { 'x-forwarded-for': '203.0.113.10' };
    const second = { 'x-forwarded-for': '203.0.113.20' };
    for (let i = 0; i < LIMIT; i += 1) expect((await postJson(t.url, REST_GENERATE, undefined, first)).status).toBe(200);
    expect((await postJson(t.url, REST_GENERATE, undefined, first)).status).toBe(429);

    for (let i = 0; i < LIMIT; i += 1) expect((await postJson(t.url, REST_GENERATE, undefined, second)).status).toBe(200);
    expectTrpcRefusal(await trpcFailure(createTestClient(t.url, { headers: second }).client.session.generate.mutate()));

    // Only the last hop is trusted: what the client wrote further left is not its address.
    const spoofed = await postJson(t.url, REST_GENERATE, undefined, { 'x-forwarded-for': '198.51.100.99, 203.0.113.10' });
    expect(spoofed.status).toBe(429);

    const generated = await auditRows(t, 'session.generated');
    expect(generated.filter((row) => row.ip === '203.0.113.10')).toHaveLength(LIMIT);
    expect(generated.filter((row) => row.ip === '203.0.113.20')).toHaveLength(LIMIT);
    const exceeded = await auditRows(t, 'rate_limit.exceeded');
    expect(exceeded.map((row) => row.ip).sort()).toEqual(['203.0.113.10', '203.0.113.20']);
  });

  it('writes one rate_limit.exceeded row per client per window, however often it is refused', async () => {
    const t = await start();
    const userAgent = 'contract-test/rate-limit';
    const browser = createTestClient(t.url, { headers: { 'user-agent': userAgent } });
    for (let i = 0; i < LIMIT; i += 1) await browser.client.session.generate.mutate();
    const error = await trpcFailure(browser.client.session.generate.mutate());
    expectTrpcRefusal(error);

    const rows = await auditRows(t, 'rate_limit.exceeded');
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row?.outcome).toBe('refused');
    expect(row?.ip).toBe('127.0.0.1');
    expect(row?.userAgent).toBe(userAgent);
    expect(row?.requestId).toBe(error.data?.requestId);
    expect(row?.requestId).toBe(browser.lastResponse?.headers.get('x-request-id'));
    expect(row?.metadata).toMatchObject({ procedure: 'session.generate' });

    for (let i = 0; i < 5; i += 1) {
      expectTrpcRefusal(await trpcFailure(browser.client.session.generate.mutate()));
      expect((await postJson(t.url, REST_GENERATE, undefined)).status).toBe(429);
    }
    expect(await auditRows(t, 'rate_limit.exceeded')).toHaveLength(1);
  });
});
