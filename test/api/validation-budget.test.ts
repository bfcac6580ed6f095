import { describe, expect, it } from 'vitest';
import { newBrowser } from '../support/browsers.js';
import { DATABASE_KINDS, type DatabaseKind } from '../support/databases.js';
import { useTestAppsPerTest } from '../support/test-app.js';
import { CookieJar, createTestClient } from '../support/trpc-client.js';
import { expectActionableMessage, expectTrpcCode, restError, trpcFailure } from '../support/api-errors.js';
import { cookieHeader } from '../support/set-cookies.js';
import { REST_VALIDATE, UNKNOWN_SESSION_ID, auditRows, postJson } from '../support/api-requests.js';

/** The documented default budget of an address for generate and for validations that prove nothing. */
const PER_IP = 10;
const WINDOW_SECONDS = 60;

/** `Retry-After` as a 429 must carry it: whole seconds within the window. */
function retryAfterOf(headers: Headers | undefined): number {
  const retryAfter = Number(headers?.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
  return retryAfter;
}

describe.each(DATABASE_KINDS)('session.validate budgets on %s', (kind: DatabaseKind) => {
  const start = useTestAppsPerTest({ database: kind });

  it('lets 30 reloads of a session from one address in a minute through (RATE_LIMIT_PER_MINUTE at its default of 10)', async () => {
    const t = await start();
    const browser = await newBrowser(t.url);
    for (let i = 0; i < 30; i += 1) {
      const result = await browser.client.session.validate.mutate({ sessionId: browser.sessionId });
      expect(result.valid).toBe(true);
    }
    // The session's budget is what they spent, and it says so.
    expect(browser.lastResponse?.headers.get('ratelimit-policy')).toBe(`120;w=${WINDOW_SECONDS}`);
    expect(browser.lastResponse?.headers.get('ratelimit')).toMatch(/^limit=120, remaining=90, reset=\d+$/);
    expect(await auditRows(t, 'rate_limit.exceeded')).toEqual([]);
  });

  it('lets an office behind one address open its sessions after the address spent its budget on guesses', async () => {
    const t = await start();
    const people = await Promise.all([newBrowser(t.url), newBrowser(t.url), newBrowser(t.url)]);
    const guesser = createTestClient(t.url);
    for (let i = 0; i < PER_IP; i += 1) expect(await guesser.client.session.validate.mutate({ sessionId: UNKNOWN_SESSION_ID })).toEqual({ valid: false, reason: 'not_found' });
    expectTrpcCode(await trpcFailure(guesser.client.session.validate.mutate({ sessionId: UNKNOWN_SESSION_ID })), 'TOO_MANY_REQUESTS', 429);

    for (const person of people) {
      for (let i = 0; i < 5; i += 1) expect((await person.client.session.validate.mutate({ sessionId: person.sessionId })).valid).toBe(true);
    }
  });

  it('still counts validations that prove nothing against the address: unknown ids, another browser’s session, no cookie', async () => {
    const t = await start();
    const owner = await newBrowser(t.url);
    const stranger = await newBrowser(t.url);
    const cookieless = createTestClient(t.url);
    const guesses = [
      () => cookieless.client.session.validate.mutate({ sessionId: UNKNOWN_SESSION_ID }),
      () => stranger.client.session.validate.mutate({ sessionId: owner.sessionId }),
      () => cookieless.client.session.validate.mutate({ sessionId: owner.sessionId }),
    ];
    for (let i = 0; i < PER_IP; i += 1) expect((await (guesses[i % guesses.length] ?? expect.unreachable('no guess'))()).valid).toBe(false);

    const refused = await trpcFailure(stranger.client.session.validate.mutate({ sessionId: owner.sessionId }));
    expectTrpcCode(refused, 'TOO_MANY_REQUESTS', 429);
    expect(refused.message).toMatch(/from your network/);
    const retryAfter = retryAfterOf(stranger.lastResponse?.headers);
    expect(stranger.lastResponse?.headers.get('ratelimit-policy')).toBe(`${PER_IP};w=${WINDOW_SECONDS}`);
    expect(refused.data?.retryAfterSeconds).toBe(retryAfter);
    // The REST alias draws on the same budget, and nothing was looked up: no failure was audited past the 10.
    expect((await postJson(t.url, REST_VALIDATE, { sessionId: UNKNOWN_SESSION_ID })).status).toBe(429);
    expect(await auditRows(t, 'session.validation_failed')).toHaveLength(PER_IP);
    expect((await auditRows(t, 'rate_limit.exceeded')).map((row) => row.metadata)).toEqual([{ procedure: 'session.validate' }]);

    // The owner is not locked out by the guesses.
    expect((await owner.client.session.validate.mutate({ sessionId: owner.sessionId })).valid).toBe(true);
  });

  it('still refuses the 11th session.generate from one address in a minute', async () => {
    const t = await start();
    const browser = createTestClient(t.url);
    for (let i = 0; i < PER_IP; i += 1) await browser.client.session.generate.mutate();
    const refused = await trpcFailure(browser.client.session.generate.mutate());
    expectTrpcCode(refused, 'TOO_MANY_REQUESTS', 429);
    retryAfterOf(browser.lastResponse?.headers);
    expect(await t.app.db.models.UserSession.count()).toBe(PER_IP);
  });

  it('refuses the 4th proven validation a minute with SESSION_VALIDATIONS_PER_MINUTE=3, with Retry-After, for that session only', async () => {
    const t = await start({ env: { SESSION_VALIDATIONS_PER_MINUTE: '3' } });
    const browser = await newBrowser(t.url);
    for (let i = 0; i < 3; i += 1) expect((await browser.client.session.validate.mutate({ sessionId: browser.sessionId })).valid).toBe(true);

    const refused = await trpcFailure(browser.client.session.validate.mutate({ sessionId: browser.sessionId }));
    expectTrpcCode(refused, 'TOO_MANY_REQUESTS', 429);
    const headers = browser.lastResponse?.headers;
    const retryAfter = retryAfterOf(headers);
    expect(headers?.get('ratelimit-policy')).toBe(`3;w=${WINDOW_SECONDS}`);
    expect(headers?.get('ratelimit')).toBe(`limit=3, remaining=0, reset=${retryAfter}`);
    expect(refused.data?.retryAfterSeconds).toBe(retryAfter);
    expectActionableMessage(refused.message);
    expect(refused.message).toMatch(/^This session is being opened too fast \(at most 3 a minute/);
    expect(refused.message).toMatch(new RegExp(`wait ${retryAfter} seconds?`));
    const [row, ...more] = await auditRows(t, 'rate_limit.exceeded');
    expect(more).toEqual([]);
    expect(row).toMatchObject({ sessionId: browser.sessionId, outcome: 'refused', metadata: { quota: 'session.validations' } });

    // Another session from the same address has a budget of its own.
    const other = await newBrowser(t.url);
    expect((await other.client.session.validate.mutate({ sessionId: other.sessionId })).valid).toBe(true);
  });

  it('applies the same rule through the REST alias /api/session/validate-uuid', async () => {
    const t = await start({ env: { SESSION_VALIDATIONS_PER_MINUTE: '3' } });
    const browser = await newBrowser(t.url);
    const credential = browser.jar.header();
    for (let i = 0; i < 3; i += 1) {
      const response = await postJson(t.url, REST_VALIDATE, { sessionId: browser.sessionId }, { cookie: credential });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ valid: true });
    }
    const refused = await postJson(t.url, REST_VALIDATE, { sessionId: browser.sessionId }, { cookie: credential });
    expect(refused.status).toBe(429);
    const retryAfter = retryAfterOf(refused.headers);
    expect(await restError(refused)).toMatchObject({ code: 'TOO_MANY_REQUESTS', retryAfterSeconds: retryAfter });
    // The alias and the procedure share the session's budget.
    expectTrpcCode(await trpcFailure(browser.client.session.validate.mutate({ sessionId: browser.sessionId })), 'TOO_MANY_REQUESTS', 429);

    // Guesses through the alias spend the address's budget, not the session's.
    const wrong = cookieHeader('A'.repeat(43));
    for (let i = 0; i < PER_IP; i += 1) expect((await postJson(t.url, REST_VALIDATE, { sessionId: browser.sessionId }, { cookie: wrong })).status).toBe(200);
    expect((await postJson(t.url, REST_VALIDATE, { sessionId: browser.sessionId }, { cookie: wrong })).status).toBe(429);
    const jar = new CookieJar();
    const stranger = createTestClient(t.url, { jar });
    expectTrpcCode(await trpcFailure(stranger.client.session.validate.mutate({ sessionId: UNKNOWN_SESSION_ID })), 'TOO_MANY_REQUESTS', 429);
  });
});
