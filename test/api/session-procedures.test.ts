import { describe, expect, it } from 'vitest';
import { CREDENTIAL_COOKIE } from '../../src/shared/limits.js';
import { sessionViewSchema, validateResultSchema, type SessionView } from '../../src/shared/session.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { useTestApp } from '../support/test-app.js';
import { CookieJar, createTestClient, isTrpcError } from '../support/trpc-client.js';
import { expectActionableMessage, expectTrpcCode, trpcErrorBodySchema, trpcFailure } from '../support/api-errors.js';
import { cookieHeader, credentialCookies, theCredentialCookie } from '../support/set-cookies.js';
import {
  GENEROUS_LIMITS,
  UNKNOWN_SESSION_ID,
  countSessions,
  postJson,
  rawRequest,
  sha256Hex,
} from '../support/api-requests.js';

type TestClient = ReturnType<typeof createTestClient>;

describe.each(DATABASE_KINDS)('session procedures on %s', (kind) => {
  const t = useTestApp({ database: kind, env: GENEROUS_LIMITS });

  /** A browser with a session of its own. */
  async function browserWithSession(): Promise<{ browser: TestClient; session: SessionView; credential: string }> {
    const browser = createTestClient(t.url);
    const session = await browser.client.session.generate.mutate();
    const credential = browser.jar.get(CREDENTIAL_COOKIE);
    if (credential === undefined) return expect.unreachable('session.generate set no credential cookie');
    return { browser, session, credential };
  }

  /** A second browser that carries the same cookie as `credential`, e.g. a copy kept from before a reset. */
  function browserWithCookie(credential: string): TestClient {
    const jar = new CookieJar();
    jar.set(CREDENTIAL_COOKIE, credential);
    return createTestClient(t.url, { jar });
  }

  /** A client that keeps sending `credential` whatever the server says (a copied cookie, a replay). */
  function clientReplaying(credential: string): TestClient {
    return createTestClient(t.url, { headers: { cookie: cookieHeader(credential) } });
  }

  async function endByExpiry(sessionId: string): Promise<void> {
    // The session's lifetime ran out: its expiry lies in the past, its status is still 'active'.
    const [updated] = await t.app.db.models.UserSession.update({ expiresAt: new Date(Date.now() - 60_000) }, { where: { id: sessionId } });
    expect(updated).toBe(1);
  }

  describe('session.generate', () => {
    it('opens an active session, answers its SessionView and sets the credential cookie', async () => {
      const before = await countSessions(t);
      const browser = createTestClient(t.url);
      const session = await browser.client.session.generate.mutate();

      expect(sessionViewSchema.parse(session)).toEqual(session);
      expect(session.status).toBe('active');
      expect(session.version).toBe(1);
      expect(session.createdAt).toBe(session.lastSeenAt);
      expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.parse(session.createdAt));
      expect(browser.lastResponse?.status).toBe(200);

      const cookie = theCredentialCookie(browser.lastResponse?.headers);
      expect(cookie.value).not.toContain(session.sessionId);
      expect(await countSessions(t)).toBe(before + 1);
      const row = await t.app.db.models.UserSession.findByPk(session.sessionId);
      expect(row?.tokenHash).toBe(sha256Hex(cookie.value));
    });

    it('gives every call a new session and a new credential, also from a browser that has one', async () => {
      const { browser, session, credential } = await browserWithSession();
      const second = await browser.client.session.generate.mutate();
      expect(second.sessionId).not.toBe(session.sessionId);
      expect(browser.jar.get(CREDENTIAL_COOKIE)).not.toBe(credential);
      expect(await browser.client.session.current.query()).toEqual(second);
    });
  });

  describe('session.validate', () => {
    it('answers valid with the SessionView for the session of this browser', async () => {
      const { browser, session } = await browserWithSession();
      const result = await browser.client.session.validate.mutate({ sessionId: session.sessionId });
      expect(result).toEqual({ valid: true, session: { ...session, lastSeenAt: expect.any(String) as string, expiresAt: expect.any(String) as string } });
      // validate has no output schema on the server (its hot path): the contract holds it here (parsing strips a key it does not name).
      expect(validateResultSchema.parse(result)).toEqual(result);
      expect(credentialCookies(browser.lastResponse?.headers)).toEqual([]);
    });

    it('accepts the id in upper case, as a UUID is the same in either case', async () => {
      const { browser, session } = await browserWithSession();
      const result = await browser.client.session.validate.mutate({ sessionId: session.sessionId.toUpperCase() });
      expect(result.valid).toBe(true);
    });

    it('answers not_found for an id no session has', async () => {
      const { browser } = await browserWithSession();
      expect(await browser.client.session.validate.mutate({ sessionId: UNKNOWN_SESSION_ID })).toEqual({ valid: false, reason: 'not_found' });
    });

    it("answers forbidden for another browser's live session, with or without a cookie, and leaves it alone", async () => {
      const owner = await browserWithSession();
      const other = await browserWithSession();
      const stranger = createTestClient(t.url);
      expect(await other.browser.client.session.validate.mutate({ sessionId: owner.session.sessionId })).toEqual({ valid: false, reason: 'forbidden' });
      expect(await stranger.client.session.validate.mutate({ sessionId: owner.session.sessionId })).toEqual({ valid: false, reason: 'forbidden' });
      expect(credentialCookies(other.browser.lastResponse?.headers)).toEqual([]);
      expect(other.browser.jar.get(CREDENTIAL_COOKIE)).toBe(other.credential);
      expect((await owner.browser.client.session.validate.mutate({ sessionId: owner.session.sessionId })).valid).toBe(true);
    });

    it('answers reset for a session that was reset, to its owner and to anyone else', async () => {
      const { browser, session } = await browserWithSession();
      await browser.client.session.reset.mutate({ sessionId: session.sessionId });
      expect(await browser.client.session.validate.mutate({ sessionId: session.sessionId })).toEqual({ valid: false, reason: 'reset' });
      const stranger = createTestClient(t.url);
      expect(await stranger.client.session.validate.mutate({ sessionId: session.sessionId })).toEqual({ valid: false, reason: 'reset' });
    });

    it("answers expired for a session past its expiry, marks it expired and clears its owner's cookie", async () => {
      const { browser, session } = await browserWithSession();
      await endByExpiry(session.sessionId);

      expect(await browser.client.session.validate.mutate({ sessionId: session.sessionId })).toEqual({ valid: false, reason: 'expired' });
      const cleared = theCredentialCookie(browser.lastResponse?.headers);
      expect(cleared.value).toBe('');
      expect(cleared.attributes.get('max-age')).toBe('0');
      expect(cleared.attributes.get('path')).toBe('/');
      expect(browser.jar.get(CREDENTIAL_COOKIE)).toBeUndefined();

      const row = await t.app.db.models.UserSession.findByPk(session.sessionId);
      expect(row?.status).toBe('expired');
      expect(row?.endedAt).toBeInstanceOf(Date);
    });
  });

  describe('session.reset', () => {
    it('ends the old session, opens a new one and rotates the cookie', async () => {
      const { browser, session, credential } = await browserWithSession();
      const before = await countSessions(t);

      const next = await browser.client.session.reset.mutate({ sessionId: session.sessionId });
      expect(sessionViewSchema.parse(next)).toEqual(next);
      expect(next.sessionId).not.toBe(session.sessionId);
      expect(next.status).toBe('active');
      expect(await countSessions(t)).toBe(before + 1);

      const rotated = theCredentialCookie(browser.lastResponse?.headers);
      expect(rotated.value).not.toBe(credential);
      expect(rotated.value).toMatch(/^[A-Za-z0-9_-]{43,}$/);
      expect(browser.jar.get(CREDENTIAL_COOKIE)).toBe(rotated.value);

      const old = await t.app.db.models.UserSession.findByPk(session.sessionId);
      expect(old?.status).toBe('reset');
      expect(old?.replacedBy).toBe(next.sessionId);
      expect(old?.endedAt).toBeInstanceOf(Date);
      expect(old?.version).toBe(session.version + 1);

      expect(await browser.client.session.current.query()).toEqual(next);
      expect((await browser.client.session.validate.mutate({ sessionId: next.sessionId })).valid).toBe(true);
    });

    it('leaves the old cookie good for nothing', async () => {
      const { browser, session, credential } = await browserWithSession();
      const next = await browser.client.session.reset.mutate({ sessionId: session.sessionId });
      const oldCookie = clientReplaying(credential);

      expect(await oldCookie.client.session.current.query()).toBeNull();
      const resetAgain = await trpcFailure(oldCookie.client.session.reset.mutate({ sessionId: session.sessionId }));
      expectTrpcCode(resetAgain, 'NOT_FOUND', 404);
      expect(resetAgain.data?.reason).toBe('reset');
      const takeOver = await trpcFailure(oldCookie.client.session.reset.mutate({ sessionId: next.sessionId }));
      expectTrpcCode(takeOver, 'FORBIDDEN', 403);
      expect(await oldCookie.client.session.validate.mutate({ sessionId: next.sessionId })).toEqual({ valid: false, reason: 'forbidden' });

      // The new session did not move.
      expect(await browser.client.session.current.query()).toEqual(next);
    });

    it('lets exactly one of two tabs resetting at once win; the other hears 404 reset and nothing is left half-done', async () => {
      const { session, credential } = await browserWithSession();
      const before = await countSessions(t);
      const tabs = [clientReplaying(credential), clientReplaying(credential), clientReplaying(credential)];
      const outcomes = await Promise.allSettled(tabs.map((tab) => tab.client.session.reset.mutate({ sessionId: session.sessionId })));

      const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const lost = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(won).toHaveLength(1);
      for (const outcome of lost) {
        const error: unknown = outcome.reason;
        if (!isTrpcError(error)) return expect.unreachable(`a losing reset failed with ${String(error)}`);
        expectTrpcCode(error, 'NOT_FOUND', 404);
        expect(error.data?.reason).toBe('reset');
      }
      expect(await countSessions(t)).toBe(before + 1);
      const old = await t.app.db.models.UserSession.findByPk(session.sessionId);
      expect(old?.replacedBy).toBe(won[0]?.value.sessionId);
      const resetRows = await t.app.db.models.AuditLog.count({ where: { event: 'session.reset', sessionId: session.sessionId } });
      expect(resetRows).toBe(1);
    });

    it('refuses without a credential: 401 UNAUTHORIZED, and the session stays active', async () => {
      const { session } = await browserWithSession();
      const stranger = createTestClient(t.url);
      const error = await trpcFailure(stranger.client.session.reset.mutate({ sessionId: session.sessionId }));
      expectTrpcCode(error, 'UNAUTHORIZED', 401);
      expectActionableMessage(error.message);
      expect(error.message).toMatch(/credential|session/i);
      expect(credentialCookies(stranger.lastResponse?.headers)).toEqual([]);
      expect((await t.app.db.models.UserSession.findByPk(session.sessionId))?.status).toBe('active');
    });

    it("refuses another session's credential: 403 FORBIDDEN, nothing created, nothing ended", async () => {
      const owner = await browserWithSession();
      const other = await browserWithSession();
      const before = await countSessions(t);

      const error = await trpcFailure(other.browser.client.session.reset.mutate({ sessionId: owner.session.sessionId }));
      expectTrpcCode(error, 'FORBIDDEN', 403);
      expect(error.data?.reason).toBe('forbidden');
      expectActionableMessage(error.message);
      expect(await countSessions(t)).toBe(before);
      expect((await t.app.db.models.UserSession.findByPk(owner.session.sessionId))?.status).toBe('active');
      expect(other.browser.jar.get(CREDENTIAL_COOKIE)).toBe(other.credential);
      expect(await owner.browser.client.session.current.query()).toEqual(owner.session);
    });

    it('answers 404 NOT_FOUND for an unknown session', async () => {
      const { browser } = await browserWithSession();
      const error = await trpcFailure(browser.client.session.reset.mutate({ sessionId: UNKNOWN_SESSION_ID }));
      expectTrpcCode(error, 'NOT_FOUND', 404);
      expect(error.data?.reason).toBe('not_found');
      expectActionableMessage(error.message);
    });

    it('answers 404 NOT_FOUND for an expired session', async () => {
      const { browser, session } = await browserWithSession();
      await endByExpiry(session.sessionId);
      const before = await countSessions(t);
      const error = await trpcFailure(browser.client.session.reset.mutate({ sessionId: session.sessionId }));
      expectTrpcCode(error, 'NOT_FOUND', 404);
      expect(error.data?.reason).toBe('expired');
      expectActionableMessage(error.message);
      expect(await countSessions(t)).toBe(before);
    });
  });

  describe('session.current', () => {
    it('answers the session from the cookie alone', async () => {
      const { browser, session, credential } = await browserWithSession();
      expect(await browser.client.session.current.query()).toEqual(session);
      // Another client holding nothing but the cookie gets the same session.
      expect(await browserWithCookie(credential).client.session.current.query()).toEqual(session);
    });

    it('answers null without a cookie, and sets none', async () => {
      const stranger = createTestClient(t.url);
      expect(await stranger.client.session.current.query()).toBeNull();
      expect(stranger.lastResponse?.status).toBe(200);
      expect(credentialCookies(stranger.lastResponse?.headers)).toEqual([]);
    });

    it("answers null for a reset session's cookie and clears it with Max-Age=0 once its replacement has ended", async () => {
      const { browser, session, credential } = await browserWithSession();
      const replacement = await browser.client.session.reset.mutate({ sessionId: session.sessionId });
      await endByExpiry(replacement.sessionId);
      const oldCookie = browserWithCookie(credential);

      expect(await oldCookie.client.session.current.query()).toBeNull();
      const cleared = theCredentialCookie(oldCookie.lastResponse?.headers);
      expect(cleared.value).toBe('');
      expect(cleared.attributes.get('max-age')).toBe('0');
      expect(cleared.attributes.get('path')).toBe('/');
      expect(cleared.attributes.get('httponly')).toBe(true);
      expect(oldCookie.jar.get(CREDENTIAL_COOKIE)).toBeUndefined();
    });

    it('leaves the cookie a reset rotated: a request sent with the old one and answered after the reset does not clear the new one', async () => {
      // A second tab heard the reset and asked session.current before the reset's answer set the new cookie.
      const { browser, session, credential } = await browserWithSession();
      const replacement = await browser.client.session.reset.mutate({ sessionId: session.sessionId });
      const rotated = browser.jar.get(CREDENTIAL_COOKIE);
      expect(rotated).not.toBe(credential);

      const late = await rawRequest(t.url, { method: 'GET', path: '/api/trpc/session.current', headers: { cookie: cookieHeader(credential) } });
      expect(late.status).toBe(200);
      expect(credentialCookies(late.headers)).toEqual([]);
      const lateValidate = await rawRequest(t.url, {
        method: 'POST',
        path: '/api/trpc/session.validate',
        headers: { cookie: cookieHeader(credential), 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId: session.sessionId }),
      });
      expect(lateValidate.status).toBe(200);
      expect(credentialCookies(lateValidate.headers)).toEqual([]);
      // The browser still holds the new credential, and it opens the new session.
      expect(await browser.client.session.current.query()).toMatchObject({ sessionId: replacement.sessionId });
    });

    it("answers null for an expired session's cookie and clears it", async () => {
      const { browser, session } = await browserWithSession();
      await endByExpiry(session.sessionId);
      expect(await browser.client.session.current.query()).toBeNull();
      expect(theCredentialCookie(browser.lastResponse?.headers).attributes.get('max-age')).toBe('0');
      expect((await t.app.db.models.UserSession.findByPk(session.sessionId))?.status).toBe('expired');
    });

    it('answers null for a cookie that is no credential at all, and clears it', async () => {
      const forged = browserWithCookie('not-a-credential');
      expect(await forged.client.session.current.query()).toBeNull();
      expect(theCredentialCookie(forged.lastResponse?.headers).attributes.get('max-age')).toBe('0');
    });
  });

  describe('the session id alone grants nothing', () => {
    it('opens nothing for a client that knows only the id', async () => {
      const { session } = await browserWithSession();
      const knowsId = createTestClient(t.url);
      expect(await knowsId.client.session.validate.mutate({ sessionId: session.sessionId })).toEqual({ valid: false, reason: 'forbidden' });
      expect(await knowsId.client.session.current.query()).toBeNull();
      expectTrpcCode(await trpcFailure(knowsId.client.session.reset.mutate({ sessionId: session.sessionId })), 'UNAUTHORIZED', 401);
    });

    it('opens nothing when the id is sent as if it were the credential', async () => {
      const { session } = await browserWithSession();
      const idAsCookie = clientReplaying(session.sessionId);
      expect(await idAsCookie.client.session.current.query()).toBeNull();
      expect(await idAsCookie.client.session.validate.mutate({ sessionId: session.sessionId })).toEqual({ valid: false, reason: 'forbidden' });
      expectTrpcCode(await trpcFailure(idAsCookie.client.session.reset.mutate({ sessionId: session.sessionId })), 'FORBIDDEN', 403);
      expect((await t.app.db.models.UserSession.findByPk(session.sessionId))?.status).toBe('active');
    });
  });

  describe('malformed input', () => {
    it('answers 400 BAD_REQUEST with issues for a session id that is no UUID', async () => {
      const { browser } = await browserWithSession();
      for (const call of [
        () => browser.client.session.validate.mutate({ sessionId: 'not-a-uuid' }),
        () => browser.client.session.reset.mutate({ sessionId: '123' }),
      ]) {
        const error = await trpcFailure(call());
        expectTrpcCode(error, 'BAD_REQUEST', 400);
        expect(error.data?.issues).toEqual([{ path: 'sessionId', message: expect.stringMatching(/UUID/) as string }]);
        expectActionableMessage(error.message);
        expect(error.message).toMatch(/^Invalid input: sessionId .*UUID/);
      }
    });

    it('names the missing field once, in a sentence', async () => {
      const response = await postJson(t.url, '/api/trpc/session.validate', {});
      expect(response.status).toBe(400);
      const { error } = trpcErrorBodySchema.parse(await response.json());
      expect(error.data.code).toBe('BAD_REQUEST');
      expect(error.data.httpStatus).toBe(400);
      expect(error.data.issues).toEqual([{ path: 'sessionId', message: expect.any(String) as string }]);
      expect(error.message).toMatch(/sessionId/);
      expect(error.message).not.toMatch(/sessionId sessionId/);
      expectActionableMessage(error.message);
    });

    it('answers a call without any input in a sentence, not in the JSON parser\'s words', async () => {
      const response = await fetch(`${t.url}/api/trpc/session.reset`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: cookieHeader('x') } });
      expect(response.status).toBe(400);
      const { error } = trpcErrorBodySchema.parse(await response.json());
      expect(error.data.code).toBe('BAD_REQUEST');
      expect(error.data.httpStatus).toBe(400);
      expect(error.message).toMatch(/JSON/);
      expect(error.message).not.toMatch(/Unexpected|end of JSON input/i);
      expectActionableMessage(error.message);
    });

    it('answers input that is no object in a sentence that does not stutter', async () => {
      const response = await postJson(t.url, '/api/trpc/session.validate', 'just a string');
      expect(response.status).toBe(400);
      const { error } = trpcErrorBodySchema.parse(await response.json());
      expect(error.data.code).toBe('BAD_REQUEST');
      expect(error.data.issues).toHaveLength(1);
      expect(error.message).toMatch(/^Invalid input: .*object/);
      expect(error.message).not.toMatch(/Invalid input: Invalid input/i);
    });
  });
});
