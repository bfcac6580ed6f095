import { describe, expect, it } from 'vitest';
import { newBrowser } from '../support/browsers.js';
import { DATABASE_KINDS, type DatabaseKind } from '../support/databases.js';
import { useTestAppsPerTest, type TestApp } from '../support/test-app.js';
import { CookieJar, createTestClient } from '../support/trpc-client.js';
import { expectActionableMessage, expectTrpcCode, trpcFailure, type TrpcClientError } from '../support/api-errors.js';
import { auditRows } from '../support/api-requests.js';

const WINDOW_SECONDS = 60;
const PER_IP = 6;
const PER_SESSION = 3;
const LIMITS = { RATE_LIMIT_PER_MINUTE: '1000', CHAT_RATE_LIMIT_PER_MINUTE: String(PER_IP), SESSION_MESSAGES_PER_MINUTE: String(PER_SESSION) };
/** `RateLimit-Policy` once the network's budget only was checked (it refused), and once both were, in the order checked. */
const NETWORK_POLICY = `${PER_IP};w=${WINDOW_SECONDS}`;
const BOTH_POLICIES = `${PER_IP};w=${WINDOW_SECONDS}, ${PER_SESSION};w=${WINDOW_SECONDS}`;

/** Reads `RateLimit: limit=6, remaining=0, reset=42`. */
function rateLimitOf(headers: Headers | undefined): { limit: number; remaining: number; reset: number } {
  const match = /^limit=(\d+), remaining=(\d+), reset=(\d+)$/.exec(headers?.get('ratelimit') ?? '');
  if (!match) return expect.unreachable(`not a RateLimit header: ${headers?.get('ratelimit') ?? 'none'}`);
  return { limit: Number(match[1]), remaining: Number(match[2]), reset: Number(match[3]) };
}

function headersOf(error: TrpcClientError): Headers | undefined {
  const response = error.meta?.response;
  return response instanceof Response ? response.headers : undefined;
}

/** A 429 as the contract has it, spent on a budget of `limit` a minute, with these policies checked; returns the error's message. */
function expectRefusal(error: TrpcClientError, limit: number, policy: string): string {
  expectTrpcCode(error, 'TOO_MANY_REQUESTS', 429);
  const headers = headersOf(error);
  const retryAfter = Number(headers?.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
  expect(headers?.get('ratelimit-policy')).toBe(policy);
  expect(rateLimitOf(headers)).toEqual({ limit, remaining: 0, reset: retryAfter });
  expect(error.data?.retryAfterSeconds).toBe(retryAfter);
  expectActionableMessage(error.message);
  expect(error.message).toMatch(new RegExp(`wait ${retryAfter} seconds?`));
  return error.message;
}

describe.each(DATABASE_KINDS)('chat.send budgets on %s', (kind: DatabaseKind) => {
  const start = useTestAppsPerTest({ database: kind, env: LIMITS });

  const messagesOf = (t: TestApp, sessionId: string) => t.app.db.models.ChatMessage.count({ where: { sessionId } });

  it('refuses a session’s message past its quota with 429, saying the session sends too fast, and stores nothing', async () => {
    const t = await start();
    const browser = await newBrowser(t.url);
    // Both limits are listed; RateLimit tells the session's, which has fewer left than the network's.
    for (let i = 1; i <= PER_SESSION; i += 1) {
      await browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: `message ${i}` });
      expect(browser.lastResponse?.headers.get('ratelimit-policy')).toBe(BOTH_POLICIES);
      expect(rateLimitOf(browser.lastResponse?.headers)).toMatchObject({ limit: PER_SESSION, remaining: PER_SESSION - i });
    }
    const message = expectRefusal(await trpcFailure(browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: 'one too many' })), PER_SESSION, BOTH_POLICIES);
    expect(message).toMatch(/^This session is sending messages too fast/);
    expect(message).not.toMatch(/network/);
    expect(await messagesOf(t, browser.sessionId)).toBe(PER_SESSION);

    // The network's budget is not what ran out: another session from the same address still sends.
    const other = await newBrowser(t.url);
    await other.client.chat.send.mutate({ sessionId: other.sessionId, text: 'hello' });
    expect(await messagesOf(t, other.sessionId)).toBe(1);
  });

  it('counts a session’s quota across every client that sends for it', async () => {
    const t = await start({ env: { TRUST_PROXY: '1' } });
    const first = await newBrowser(t.url, { headers: { 'x-forwarded-for': '203.0.113.1' } });
    const jar = new CookieJar();
    jar.set(...(first.jar.header().split('=') as [string, string]));
    const second = createTestClient(t.url, { jar, headers: { 'x-forwarded-for': '203.0.113.2' } });
    await first.client.chat.send.mutate({ sessionId: first.sessionId, text: 'from one' });
    await second.client.chat.send.mutate({ sessionId: first.sessionId, text: 'from two' });
    await first.client.chat.send.mutate({ sessionId: first.sessionId, text: 'from one again' });
    expectRefusal(await trpcFailure(second.client.chat.send.mutate({ sessionId: first.sessionId, text: 'over' })), PER_SESSION, BOTH_POLICIES);
    expect(await messagesOf(t, first.sessionId)).toBe(PER_SESSION);
  });

  it('refuses a network past its chat budget with 429, whichever sessions it sends for, and lets other networks send', async () => {
    const t = await start({ env: { TRUST_PROXY: '1' } });
    const fromNetwork = { headers: { 'x-forwarded-for': '198.51.100.7' } };
    const browsers = await Promise.all([newBrowser(t.url, fromNetwork), newBrowser(t.url, fromNetwork), newBrowser(t.url, fromNetwork)]);
    for (let i = 0; i < PER_IP; i += 1) {
      const browser = browsers[i % browsers.length] ?? expect.unreachable('no browser');
      await browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: `message ${i}` });
    }
    const [firstBrowser] = browsers;
    // Refused by the network's budget, the call never reaches the session's quota: one policy checked.
    const message = expectRefusal(await trpcFailure(firstBrowser.client.chat.send.mutate({ sessionId: firstBrowser.sessionId, text: 'over' })), PER_IP, NETWORK_POLICY);
    expect(message).toMatch(/from your network/);
    expect(await t.app.db.models.ChatMessage.count()).toBe(PER_IP);

    const elsewhere = await newBrowser(t.url, { headers: { 'x-forwarded-for': '198.51.100.8' } });
    await elsewhere.client.chat.send.mutate({ sessionId: elsewhere.sessionId, text: 'from another network' });
  });

  it('reports the network’s budget in RateLimit once it has fewer left than the session’s quota', async () => {
    const t = await start({ env: { TRUST_PROXY: '1' } });
    const fromNetwork = { headers: { 'x-forwarded-for': '198.51.100.9' } };
    const [first, second, third] = await Promise.all([newBrowser(t.url, fromNetwork), newBrowser(t.url, fromNetwork), newBrowser(t.url, fromNetwork)]);
    for (const browser of [first, first, second, second]) await browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: 'spending' });

    // The third session has sent one of its 3; the network has 1 of its 6 left: that is the one to tell.
    await third.client.chat.send.mutate({ sessionId: third.sessionId, text: 'closest to the network’s end' });
    const headers = third.lastResponse?.headers;
    expect(headers?.get('ratelimit-policy')).toBe(BOTH_POLICIES);
    expect(rateLimitOf(headers)).toMatchObject({ limit: PER_IP, remaining: 1 });
    expect(headers?.get('retry-after')).toBeNull();
  });

  it('asks a refused sender to wait until every spent limit has room: the network’s, when it ends after the session’s', async () => {
    const t = await start({ env: { TRUST_PROXY: '1' } });
    const first = await newBrowser(t.url, { headers: { 'x-forwarded-for': '203.0.113.10' } });
    await first.client.chat.send.mutate({ sessionId: first.sessionId, text: 'starts the session’s window' });
    // The second network's window starts later, so it ends later than the session's.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const jar = new CookieJar();
    jar.set(...(first.jar.header().split('=') as [string, string]));
    const second = createTestClient(t.url, { jar, headers: { 'x-forwarded-for': '203.0.113.11' } });
    for (let i = 0; i < PER_SESSION - 1; i += 1) await second.client.chat.send.mutate({ sessionId: first.sessionId, text: `m${i}` });
    const sessionQuota = rateLimitOf(second.lastResponse?.headers);
    expect(sessionQuota).toMatchObject({ limit: PER_SESSION, remaining: 0 });

    // Refused by the session's quota, each call still spends the network's budget, down to nothing on the last.
    let refusal: TrpcClientError | undefined;
    for (let spent = PER_SESSION - 1; spent < PER_IP; spent += 1) refusal = await trpcFailure(second.client.chat.send.mutate({ sessionId: first.sessionId, text: 'over' }));
    if (!refusal) return expect.unreachable('no call was refused');
    const message = expectRefusal(refusal, PER_IP, BOTH_POLICIES);
    expect(message).toMatch(/^This session is sending messages too fast/);
    expect(Number(headersOf(refusal)?.get('retry-after'))).toBeGreaterThan(sessionQuota.reset);
  });

  it('spends neither budget on a call that does not own the session', async () => {
    const t = await start();
    const owner = await newBrowser(t.url);
    const stranger = await newBrowser(t.url);
    for (let i = 0; i < PER_IP; i += 1) {
      expectTrpcCode(await trpcFailure(stranger.client.chat.send.mutate({ sessionId: owner.sessionId, text: 'not mine' })), 'FORBIDDEN', 403);
    }
    for (let i = 0; i < PER_SESSION; i += 1) await owner.client.chat.send.mutate({ sessionId: owner.sessionId, text: `mine ${i}` });
    expect(await messagesOf(t, owner.sessionId)).toBe(PER_SESSION);
  });

  it('audits each kind of refusal once per window, with the session for the session quota', async () => {
    const t = await start();
    const browser = await newBrowser(t.url, { headers: { 'user-agent': 'contract-test/chat-limits' } });
    for (let i = 0; i < PER_SESSION; i += 1) await browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: `m${i}` });
    for (let i = 0; i < 3; i += 1) await trpcFailure(browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: 'over' }));
    const quotaRows = await auditRows(t, 'rate_limit.exceeded');
    expect(quotaRows).toHaveLength(1);
    expect(quotaRows[0]).toMatchObject({ sessionId: browser.sessionId, outcome: 'refused', userAgent: 'contract-test/chat-limits', metadata: { quota: 'session.messages' } });

    // The remaining per-network calls run the network's budget out too (refused calls count): one row for that as well.
    for (let i = 0; i < PER_IP; i += 1) await trpcFailure(browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: 'over' }));
    const rows = await auditRows(t, 'rate_limit.exceeded');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ sessionId: null, outcome: 'refused', metadata: { procedure: 'chat.send' } });
  });
});
