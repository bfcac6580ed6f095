import { describe, expect, it } from 'vitest';
import { CREDENTIAL_COOKIE } from '../../src/shared/limits.js';
import { sessionViewSchema } from '../../src/shared/session.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { useTestApp } from '../support/test-app.js';
import { createTestClient } from '../support/trpc-client.js';
import { trpcFailure } from '../support/api-errors.js';
import { cookieHeader, credentialCookies, theCredentialCookie, type SetCookie } from '../support/set-cookies.js';
import {
  GENEROUS_LIMITS,
  REST_GENERATE,
  REST_VALIDATE,
  UNKNOWN_SESSION_ID,
  postJson,
  rawRequest,
  type RawResponse,
} from '../support/api-requests.js';

const TWO_DAYS_IN_SECONDS = 2 * 24 * 60 * 60;
const THIRTY_DAYS_IN_SECONDS = 30 * 24 * 60 * 60;

/** The attributes every credential cookie must carry, wherever it is served. */
function expectCredentialCookieAttributes(cookie: SetCookie, maxAgeSeconds: number): void {
  expect(cookie.name).toBe(CREDENTIAL_COOKIE);
  expect(cookie.attributes.get('httponly')).toBe(true);
  expect(String(cookie.attributes.get('samesite')).toLowerCase()).toBe('lax');
  expect(cookie.attributes.get('path')).toBe('/');
  expect(cookie.attributes.get('max-age')).toBe(String(maxAgeSeconds));
  expect(cookie.attributes.has('domain')).toBe(false);
}

/** ≥128 random bits: at least 43 base64url characters, i.e. at least 32 bytes once decoded. */
function expectStrongCredential(value: string): void {
  expect(value).toMatch(/^[A-Za-z0-9_-]{43,}$/);
  expect(Buffer.from(value, 'base64url').length).toBeGreaterThanOrEqual(16);
}

describe.each(DATABASE_KINDS)('credential cookie and API headers on %s', (kind) => {
  const t = useTestApp({ database: kind, env: { ...GENEROUS_LIMITS, SESSION_MAX_AGE: '2d', SESSION_IDLE_TTL: '1d' } });

  /** A request addressed to `host`, as a browser on that name would send it (no Origin: a same-site navigation). */
  function asHost(host: string, path: string): Promise<RawResponse> {
    return rawRequest(t.url, { path, headers: { host, 'content-type': 'application/json' } });
  }

  describe('as session.generate sets it', () => {
    it('is HttpOnly, SameSite=Lax, Path=/, persistent for SESSION_MAX_AGE, and not Secure on 127.0.0.1', async () => {
      const browser = createTestClient(t.url);
      await browser.client.session.generate.mutate();
      const cookie = theCredentialCookie(browser.lastResponse?.headers);
      expectCredentialCookieAttributes(cookie, TWO_DAYS_IN_SECONDS);
      expect(cookie.attributes.has('secure')).toBe(false);
      expectStrongCredential(cookie.value);
    });

    it('is the same through the REST alias', async () => {
      const response = await postJson(t.url, REST_GENERATE, undefined);
      expect(response.status).toBe(200);
      const cookie = theCredentialCookie(response.headers);
      expectCredentialCookieAttributes(cookie, TWO_DAYS_IN_SECONDS);
      expect(cookie.attributes.has('secure')).toBe(false);
      expectStrongCredential(cookie.value);
    });

    it('is not Secure over plain HTTP, whatever the Host header says (a LAN deployment keeps its session)', async () => {
      for (const host of ['localhost:3000', 'app.localhost:5173', '[::1]:3000', 'app.example.com', '192.168.1.20:3000']) {
        for (const path of ['/api/trpc/session.generate', REST_GENERATE]) {
          const response = await asHost(host, path);
          expect(response.status).toBe(200);
          const cookie = theCredentialCookie(response.headers);
          expectCredentialCookieAttributes(cookie, TWO_DAYS_IN_SECONDS);
          expect({ host, secure: cookie.attributes.has('secure') }).toEqual({ host, secure: false });
        }
      }
    });

    it('ignores X-Forwarded-Proto from a client TRUST_PROXY does not name', async () => {
      const response = await rawRequest(t.url, { path: REST_GENERATE, headers: { host: 'app.example.com', 'x-forwarded-proto': 'https', 'content-type': 'application/json' } });
      expect(response.status).toBe(200);
      expect(theCredentialCookie(response.headers).attributes.has('secure')).toBe(false);
    });

    it('carries a fresh secret of at least 128 bits every time, unrelated to the session id', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 10; i += 1) {
        const browser = createTestClient(t.url);
        const session = await browser.client.session.generate.mutate();
        const credential = browser.jar.get(CREDENTIAL_COOKIE) ?? '';
        expectStrongCredential(credential);
        expect(credential).not.toContain(session.sessionId);
        expect(credential).not.toContain(session.sessionId.replaceAll('-', ''));
        seen.add(credential);
      }
      expect(seen.size).toBe(10);
    });
  });

  describe('as session.reset rotates it', () => {
    it('has the same attributes and a new value', async () => {
      const browser = createTestClient(t.url);
      const session = await browser.client.session.generate.mutate();
      const first = browser.jar.get(CREDENTIAL_COOKIE) ?? '';
      await browser.client.session.reset.mutate({ sessionId: session.sessionId });
      const rotated = theCredentialCookie(browser.lastResponse?.headers);
      expectCredentialCookieAttributes(rotated, TWO_DAYS_IN_SECONDS);
      expectStrongCredential(rotated.value);
      expect(rotated.value).not.toBe(first);

    });
  });

  describe('as it is cleared', () => {
    it('is cleared with the same name, Path=/ and Max-Age=0', async () => {
      const browser = createTestClient(t.url);
      const session = await browser.client.session.generate.mutate();
      const old = browser.jar.get(CREDENTIAL_COOKIE) ?? '';
      // Reset twice: the credential of a reset session is cleared once its replacement has ended too.
      const replacement = await browser.client.session.reset.mutate({ sessionId: session.sessionId });
      await browser.client.session.reset.mutate({ sessionId: replacement.sessionId });

      const response = await rawRequest(t.url, { method: 'GET', path: '/api/trpc/session.current', headers: { cookie: cookieHeader(old) } });
      expect(response.status).toBe(200);
      const cleared = theCredentialCookie(response.headers);
      expect(cleared.value).toBe('');
      expect(cleared.attributes.get('max-age')).toBe('0');
      expect(cleared.attributes.get('path')).toBe('/');
      expect(cleared.attributes.get('httponly')).toBe(true);
      expect(cleared.attributes.has('secure')).toBe(false);
    });
  });

  describe('Cache-Control', () => {
    it('is no-store on every API response, answers and errors alike', async () => {
      const browser = createTestClient(t.url);
      const session = await browser.client.session.generate.mutate();
      const responses: (Response | undefined)[] = [browser.lastResponse];
      await browser.client.session.current.query();
      responses.push(browser.lastResponse);
      await browser.client.session.validate.mutate({ sessionId: session.sessionId });
      responses.push(browser.lastResponse);
      await browser.client.session.reset.mutate({ sessionId: session.sessionId });
      responses.push(browser.lastResponse);
      const stranger = createTestClient(t.url);
      await trpcFailure(stranger.client.session.reset.mutate({ sessionId: UNKNOWN_SESSION_ID }));
      responses.push(stranger.lastResponse);
      responses.push(await postJson(t.url, REST_GENERATE, undefined));
      responses.push(await postJson(t.url, REST_VALIDATE, { sessionId: session.sessionId }));
      responses.push(await postJson(t.url, REST_VALIDATE, { sessionId: 'nope' }));
      responses.push(await fetch(`${t.url}/api/nothing-here`));

      expect(responses.map((response) => response?.status)).toEqual([200, 200, 200, 200, 401, 200, 200, 400, 404]);
      for (const response of responses) {
        expect(response?.headers.get('cache-control')).toBe('no-store');
        expect(response?.headers.get('x-request-id')).toMatch(/^[\w.-]{8,64}$/);
      }
    });
  });
});

describe.each(DATABASE_KINDS)('credential cookie with the default SESSION_MAX_AGE on %s', (kind) => {
  const t = useTestApp({ database: kind });

  it('lives 30 days, the absolute lifetime of a session', async () => {
    const browser = createTestClient(t.url);
    const session = sessionViewSchema.parse(await browser.client.session.generate.mutate());
    const cookie = theCredentialCookie(browser.lastResponse?.headers);
    expectCredentialCookieAttributes(cookie, THIRTY_DAYS_IN_SECONDS);
    expect(credentialCookies(browser.lastResponse?.headers)).toHaveLength(1);
    // The cookie outlives no session: it ends when the session's absolute lifetime does.
    expect(Date.parse(session.createdAt) + THIRTY_DAYS_IN_SECONDS * 1000).toBeGreaterThanOrEqual(Date.parse(session.expiresAt));
  });
});
