import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CREDENTIAL_COOKIE } from '../../src/shared/limits.js';
import type { SessionView } from '../../src/shared/session.js';
import { DATABASE_KINDS, type DatabaseKind } from '../support/databases.js';
import { startTestApp, useTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';
import { createTestClient } from '../support/trpc-client.js';
import { expectActionableMessage, expectTrpcCode, restError, trpcFailure } from '../support/api-errors.js';
import { cookieHeader, credentialCookies } from '../support/set-cookies.js';
import {
  ALLOWED_ORIGIN,
  FOREIGN_ORIGIN,
  GENEROUS_LIMITS,
  REST_GENERATE,
  REST_VALIDATE,
  auditRows,
  countSessions,
  postJson,
} from '../support/api-requests.js';

/** An app that lets ALLOWED_ORIGIN call. */
function corsAppOptions(kind: DatabaseKind): TestAppOptions {
  return { database: kind, env: { ...GENEROUS_LIMITS, CORS_ORIGINS: ALLOWED_ORIGIN } };
}

function preflight(t: TestApp, path: string, origin: string): Promise<Response> {
  return fetch(`${t.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
}

describe.each(DATABASE_KINDS)('CORS on %s', (kind) => {
  const t = useTestApp(corsAppOptions(kind));

  it('lets an origin listed in CORS_ORIGINS call with credentials', async () => {
    const browser = createTestClient(t.url, { headers: { origin: ALLOWED_ORIGIN } });
    const session = await browser.client.session.generate.mutate();
    const generated = browser.lastResponse;
    expect(generated?.status).toBe(200);
    expect(generated?.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(generated?.headers.get('access-control-allow-credentials')).toBe('true');
    expect(generated?.headers.get('vary')).toMatch(/origin/i);

    expect(await browser.client.session.current.query()).toEqual(session);
    expect(browser.lastResponse?.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(browser.lastResponse?.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('lets the browser read the rate-limit and request-id headers from an allowed origin', async () => {
    const response = await postJson(t.url, REST_GENERATE, undefined, { origin: ALLOWED_ORIGIN });
    expect(response.status).toBe(200);
    const exposed = (response.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['ratelimit', 'ratelimit-policy', 'retry-after', 'x-request-id']));
  });

  it('answers the preflight of an allowed origin', async () => {
    for (const path of ['/api/trpc/session.generate', REST_VALIDATE]) {
      const response = await preflight(t, path, ALLOWED_ORIGIN);
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
      expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toMatch(/content-type/);
    }
  });

  it('gives a foreign origin neither header, on a read, a preflight or a refused write', async () => {
    const read = await fetch(`${t.url}/api/trpc/session.current`, { headers: { origin: FOREIGN_ORIGIN } });
    const pre = await preflight(t, '/api/trpc/session.generate', FOREIGN_ORIGIN);
    const write = await postJson(t.url, REST_GENERATE, undefined, { origin: FOREIGN_ORIGIN });
    expect(read.status).toBe(200);
    expect(pre.status).not.toBe(204);
    expect(write.status).toBe(403);
    for (const response of [read, pre, write]) {
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it("allows the app's own origin", async () => {
    const browser = createTestClient(t.url, { headers: { origin: t.url } });
    const session = await browser.client.session.generate.mutate();
    expect(browser.lastResponse?.status).toBe(200);
    expect(browser.lastResponse?.headers.get('access-control-allow-origin')).toBe(t.url);
    const validated = await browser.client.session.validate.mutate({ sessionId: session.sessionId });
    expect(validated.valid).toBe(true);
    expect(await browser.client.session.reset.mutate({ sessionId: session.sessionId })).toMatchObject({ status: 'active' });

    const rest = await postJson(t.url, REST_GENERATE, undefined, { origin: t.url });
    expect(rest.status).toBe(200);
  });
});

describe.each(DATABASE_KINDS)('the origin rule on %s', (kind) => {
  const t = useTestApp(corsAppOptions(kind));

  async function ownedSession(): Promise<{ session: SessionView; credential: string }> {
    const browser = createTestClient(t.url);
    const session = await browser.client.session.generate.mutate();
    return { session, credential: browser.jar.get(CREDENTIAL_COOKIE) ?? '' };
  }

  it('refuses session.generate from a foreign origin with 403 FORBIDDEN and creates nothing', async () => {
    const before = await countSessions(t);
    const foreign = createTestClient(t.url, { headers: { origin: FOREIGN_ORIGIN } });
    const error = await trpcFailure(foreign.client.session.generate.mutate());
    expectTrpcCode(error, 'FORBIDDEN', 403);
    expectActionableMessage(error.message);
    expect(error.message).toContain(FOREIGN_ORIGIN);
    expect(error.data?.requestId).toBe(foreign.lastResponse?.headers.get('x-request-id'));
    expect(foreign.lastResponse?.headers.get('content-type')).toMatch(/^application\/json/);
    expect(credentialCookies(foreign.lastResponse?.headers)).toEqual([]);
    expect(foreign.jar.get(CREDENTIAL_COOKIE)).toBeUndefined();
    expect(await countSessions(t)).toBe(before);
  });

  it('refuses a reset from a foreign page even with the owner\'s cookie, and the session stays as it was', async () => {
    const { session, credential } = await ownedSession();
    const before = await countSessions(t);
    const foreign = createTestClient(t.url, { headers: { origin: FOREIGN_ORIGIN, cookie: cookieHeader(credential) } });
    const error = await trpcFailure(foreign.client.session.reset.mutate({ sessionId: session.sessionId }));
    expectTrpcCode(error, 'FORBIDDEN', 403);
    expect(credentialCookies(foreign.lastResponse?.headers)).toEqual([]);
    expect(await countSessions(t)).toBe(before);
    const row = await t.app.db.models.UserSession.findByPk(session.sessionId);
    expect(row?.status).toBe('active');
    expect(row?.version).toBe(session.version);
  });

  it('refuses a validate from a foreign page even with the owner\'s cookie, and records no validation', async () => {
    const { session, credential } = await ownedSession();
    const validatedBefore = (await auditRows(t, 'session.validated')).length;
    const foreign = createTestClient(t.url, { headers: { origin: FOREIGN_ORIGIN, cookie: cookieHeader(credential) } });
    expectTrpcCode(await trpcFailure(foreign.client.session.validate.mutate({ sessionId: session.sessionId })), 'FORBIDDEN', 403);
    expect((await auditRows(t, 'session.validated')).length).toBe(validatedBefore);
  });

  it('refuses the REST aliases from a foreign origin with 403 FORBIDDEN JSON', async () => {
    const { session, credential } = await ownedSession();
    const before = await countSessions(t);
    for (const [path, body] of [[REST_GENERATE, undefined], [REST_VALIDATE, { sessionId: session.sessionId }]] as const) {
      const response = await postJson(t.url, path, body, { origin: FOREIGN_ORIGIN, cookie: cookieHeader(credential) });
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const error = await restError(response);
      expect(error.code).toBe('FORBIDDEN');
      expect(error.httpStatus).toBe(403);
      expect(error.requestId).toBe(response.headers.get('x-request-id'));
      expectActionableMessage(error.message);
      expect(credentialCookies(response.headers)).toEqual([]);
    }
    expect(await countSessions(t)).toBe(before);
  });

  it('refuses an opaque origin ("null", a sandboxed page) too', async () => {
    const before = await countSessions(t);
    const response = await postJson(t.url, REST_GENERATE, undefined, { origin: 'null' });
    expect(response.status).toBe(403);
    expect((await restError(response)).code).toBe('FORBIDDEN');
    expect(await countSessions(t)).toBe(before);
  });

  it('treats a look-alike of an allowed origin as foreign', async () => {
    const before = await countSessions(t);
    for (const origin of [`${ALLOWED_ORIGIN}.evil.example`, 'https://allowed.example', `${ALLOWED_ORIGIN}:8080`]) {
      const response = await postJson(t.url, REST_GENERATE, undefined, { origin });
      expect(response.status).toBe(403);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
    expect(await countSessions(t)).toBe(before);
  });

  it('changes nothing through a safe method: a mutation over GET or HEAD creates nothing', async () => {
    const before = await countSessions(t);
    for (const path of ['/api/trpc/session.generate', REST_GENERATE]) {
      const viaGet = await fetch(`${t.url}${path}`, { headers: { origin: FOREIGN_ORIGIN } });
      expect([404, 405]).toContain(viaGet.status);
      expect(credentialCookies(viaGet.headers)).toEqual([]);
      // tRPC answers HEAD itself (204, no body) without running the procedure.
      const viaHead = await fetch(`${t.url}${path}`, { method: 'HEAD', headers: { origin: FOREIGN_ORIGIN } });
      expect(viaHead.status).not.toBe(200);
      expect(credentialCookies(viaHead.headers)).toEqual([]);
    }
    expect(await countSessions(t)).toBe(before);
  });

  it('lets a request without an Origin change state (curl, server-to-server, same-site navigations)', async () => {
    const response = await postJson(t.url, REST_GENERATE, undefined);
    expect(response.status).toBe(200);
  });
});

describe.each(DATABASE_KINDS)('the origin.rejected audit on %s', (kind) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('writes one origin.rejected row for a refusal, and no more for that client in the window', async () => {
    const app = await startTestApp(corsAppOptions(kind));
    t = app;
    const userAgent = 'contract-test/origin';
    const first = await postJson(app.url, REST_GENERATE, undefined, { origin: FOREIGN_ORIGIN, 'user-agent': userAgent });
    expect(first.status).toBe(403);

    const rows = await auditRows(app, 'origin.rejected');
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row?.outcome).toBe('refused');
    expect(row?.sessionId).toBeNull();
    expect(row?.ip).toBe('127.0.0.1');
    expect(row?.userAgent).toBe(userAgent);
    expect(row?.requestId).toBe(first.headers.get('x-request-id'));
    expect(row?.metadata).toMatchObject({ origin: FOREIGN_ORIGIN, method: 'POST', path: REST_GENERATE });

    const foreign = createTestClient(app.url, { headers: { origin: 'http://other-evil.example' } });
    for (let i = 0; i < 5; i += 1) {
      expect((await postJson(app.url, REST_VALIDATE, { sessionId: '0b5c6f8e-4d1a-4c3e-9f2b-7a8d9e0f1a2b' }, { origin: FOREIGN_ORIGIN })).status).toBe(403);
      expectTrpcCode(await trpcFailure(foreign.client.session.generate.mutate()), 'FORBIDDEN', 403);
    }
    expect(await auditRows(app, 'origin.rejected')).toHaveLength(1);
    expect(await countSessions(app)).toBe(0);
  });
});

describe('the origin rule behind a TLS proxy', () => {
  const t = useTestApp({ env: { ...GENEROUS_LIMITS, TRUST_PROXY: 'loopback' } });

  /** The app's own host, as a page of it would name it, on one scheme or the other. */
  const ownOrigin = (scheme: 'http' | 'https') => `${scheme}://${new URL(t.url).host}`;

  it('refuses a state change from the app host over plain http, and allows it over https', async () => {
    const refused = await postJson(t.url, REST_GENERATE, undefined, { origin: ownOrigin('http'), 'x-forwarded-proto': 'https' });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await postJson(t.url, REST_GENERATE, undefined, { origin: ownOrigin('https'), 'x-forwarded-proto': 'https' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ownOrigin('https'));
  });

  it('refuses the WebSocket upgrade from the app host over plain http', async () => {
    const upgrade = (origin: string) => new Promise<number>((resolve) => {
      const socket = new WebSocket(`${t.url.replace('http', 'ws')}/api/trpc`, { headers: { origin, 'x-forwarded-proto': 'https' } });
      socket.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); });
      socket.on('open', () => { socket.close(); resolve(101); });
      socket.on('error', () => undefined);
    });
    expect(await upgrade(ownOrigin('http'))).toBe(403);
    expect(await upgrade(ownOrigin('https'))).toBe(101);
  });
});
