import { describe, expect, it } from 'vitest';
import { TRPC_MAX_BODY_BYTES } from '../../src/shared/limits.js';
import { sendByNodeHttp, sendInsistently, type HttpOutcome, type InsistentOutcome, type InsistentRequest } from '../support/insistent-client.js';
import { useTestApp, type TestApp } from '../support/test-app.js';
import { expectActionableMessage } from '../support/api-errors.js';
import { countSessions, GENEROUS_LIMITS, REST_GENERATE, REST_VALIDATE } from '../support/api-requests.js';

const CLIENTS = 30;
const HUGE_BODY = 24 * 1000 * 1000;
const LONG = 65 * 1000;

function postHead(path: string, framing: string): string {
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`;
}

/** The error of a tRPC answer (`error.data.code`) or of a REST one (`error.code`), with its message checked. */
function errorCodeOf(body: unknown): string {
  const error = (body as { error?: { message?: string; code?: unknown; data?: { code?: string } } }).error;
  expectActionableMessage(error?.message);
  return error?.data?.code ?? String(error?.code);
}

/** Many clients at once, each sending the same request. */
function everyClient(request: InsistentRequest, url: () => string, count = CLIENTS): Promise<InsistentOutcome[]> {
  return Promise.all(Array.from({ length: count }, () => sendInsistently(url(), request)));
}

function expectReadWhole(outcomes: InsistentOutcome[], status: number, code: string): void {
  expect(outcomes.map((outcome) => outcome.error)).toEqual(outcomes.map(() => undefined));
  for (const outcome of outcomes) {
    expect(outcome.status).toBe(status);
    expect(outcome.head).toMatch(/\r\nconnection: close/i);
    expect(errorCodeOf(outcome.body)).toBe(code);
  }
}

async function expectHealthy(t: TestApp): Promise<void> {
  expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
}

function expectReadByNodeHttp(outcomes: HttpOutcome[], status: number, code: string): void {
  for (const outcome of outcomes) {
    expect(outcome.errors).toEqual([]);
    expect(outcome.status).toBe(status);
    expect(errorCodeOf(outcome.body)).toBe(code);
  }
}

describe('an answer that closes the connection reaches a client that is still sending (lingering close)', () => {
  const t = useTestApp({ env: GENEROUS_LIMITS });

  it(`answers ${CLIENTS} clients sending a 24 MB tRPC body (declared) with 413, none of them reset`, async () => {
    const outcomes = await everyClient({ head: postHead('/api/trpc/session.validate', `Content-Length: ${HUGE_BODY}`), bodyBytes: HUGE_BODY }, () => t.url);
    expectReadWhole(outcomes, 413, 'PAYLOAD_TOO_LARGE');
  });

  it(`answers ${CLIENTS} clients sending a tRPC body in chunks past ${TRPC_MAX_BODY_BYTES / 1024} KiB with 413 and closes, none of them reset`, async () => {
    const outcomes = await everyClient({ head: postHead('/api/trpc/session.validate', 'Transfer-Encoding: chunked'), bodyBytes: HUGE_BODY, chunked: true }, () => t.url);
    expectReadWhole(outcomes, 413, 'PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['declared', `Content-Length: ${HUGE_BODY}`, false],
    ['sent in chunks', 'Transfer-Encoding: chunked', true],
  ])(`answers ${CLIENTS} clients sending a 24 MB REST alias body (%s) with 413, none of them reset`, async (_label, framing, chunked) => {
    const outcomes = await everyClient({ head: postHead(REST_VALIDATE, framing), bodyBytes: HUGE_BODY, chunked }, () => t.url);
    expectReadWhole(outcomes, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers node:http clients, which send their whole 24 MB body regardless, with 413 and no error', async () => {
    const body = Buffer.alloc(HUGE_BODY, 'a');
    const outcomes = await Promise.all(
      Array.from({ length: 15 }, () => sendByNodeHttp(t.url, { method: 'POST', path: '/api/trpc/session.validate', headers: { 'content-type': 'application/json' }, body })),
    );
    expectReadByNodeHttp(outcomes, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 40 node:http GETs of a 65 kB path with 414 and the JSON error, none of them reset', async () => {
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => sendByNodeHttp(t.url, { method: 'GET', path: `/${'a'.repeat(LONG)}` })));
    expectReadByNodeHttp(outcomes, 414, 'URI_TOO_LONG');
    await expectHealthy(t);
  });

  it(`answers ${CLIENTS} clients still writing a 65 kB path (or a batch POST to one) with 414, none of them reset`, async () => {
    const paths = Array.from({ length: LONG / 16 }, () => 'session.current').join(',');
    for (const head of [`GET /${'a'.repeat(LONG)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, `${postHead(`/api/trpc/${paths}?batch=1`, 'Content-Length: 2')}{}`]) {
      // Written with pauses, so that the server answers long before the client is done; the first
      // write holds the request line's start and more than the server reads of a head.
      expectReadWhole(await everyClient({ head, writeBytes: 20_000, pauseMs: 5, ignoreAnswer: true }, () => t.url), 414, 'URI_TOO_LONG');
    }
    await expectHealthy(t);
  });

  it('answers a HEAD of a 65 kB path with the headers of a 414 and no body', async () => {
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => sendByNodeHttp(t.url, { method: 'HEAD', path: `/${'a'.repeat(LONG)}` })));
    for (const outcome of outcomes) {
      expect(outcome.errors).toEqual([]);
      expect(outcome.status).toBe(414);
      expect(outcome.headers['content-type']).toMatch(/^application\/json/);
      expect(outcome.body).toBe('');
    }
  });

  it(`answers ${CLIENTS} clients still writing 65 kB of headers with 431, and 40 node:http ones, none of them reset`, async () => {
    const head = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'b'.repeat(LONG)}\r\n\r\n`;
    expectReadWhole(await everyClient({ head, writeBytes: 20_000, pauseMs: 5, ignoreAnswer: true }, () => t.url), 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE');
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => sendByNodeHttp(t.url, { method: 'GET', path: '/healthz', headers: { cookie: `a=${'c'.repeat(LONG)}` } })));
    expectReadByNodeHttp(outcomes, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE');
    await expectHealthy(t);
  });

  it("keeps node:http's own answer to a malformed request: 400, closed", async () => {
    const outcome = await sendInsistently(t.url, { head: 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nNot a header\r\n\r\n' });
    expect(outcome.status).toBe(400);
    expect(outcome.head).toMatch(/\r\nconnection: close/i);
    await expectHealthy(t);
  });

  it('serves no request sent behind a refused body on the connection it closes', async () => {
    const sessions = await countSessions(t);
    const body = 'x'.repeat(TRPC_MAX_BODY_BYTES + 1);
    const next = `POST ${REST_GENERATE} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`;
    const outcome = await sendInsistently(t.url, { head: `${postHead('/api/trpc/session.validate', `Content-Length: ${body.length}`)}${body}${next}`, ignoreAnswer: true });
    expect(outcome.status).toBe(413);
    expect(errorCodeOf(outcome.body)).toBe('PAYLOAD_TOO_LARGE');
    // Served, it would have made a session by now (the client cannot tell: its answer has nowhere to go).
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await countSessions(t)).toBe(sessions);
  });
});

describe('a lingering close is bounded', () => {
  const LINGER = { ms: 1000, bytes: 1024 * 1024, connections: 3 };
  const t = useTestApp({ env: GENEROUS_LIMITS, overrides: { linger: LINGER } });

  const declaredHuge = postHead('/api/trpc/session.validate', 'Content-Length: 4000000000');

  it('cuts off a client that keeps sending past the byte bound', async () => {
    const outcome = await sendInsistently(t.url, { head: declaredHuge, bodyBytes: 64 * LINGER.bytes, ignoreAnswer: true });
    expect(outcome.status).toBe(413);
    expect(outcome.error).toMatch(/^(ECONNRESET|EPIPE)$/);
    expect(outcome.sentAfterAnswer).toBeLessThan(32 * LINGER.bytes);
    await expectHealthy(t);
  });

  it('cuts off a client that keeps sending, slowly, past the time bound', async () => {
    const outcome = await sendInsistently(t.url, { head: declaredHuge, bodyBytes: LINGER.bytes / 2, writeBytes: 1024, pauseMs: 20, ignoreAnswer: true });
    expect(outcome.status).toBe(413);
    expect(outcome.closedAfterMs).toBeGreaterThanOrEqual(LINGER.ms - 100);
    expect(outcome.closedAfterMs).toBeLessThan(LINGER.ms + 2000);
    await expectHealthy(t);
  });

  it(`lets at most ${LINGER.connections} connections linger at once: the next is closed at once`, async () => {
    const slow = { head: declaredHuge, bodyBytes: LINGER.bytes / 2, writeBytes: 1024, pauseMs: 20, ignoreAnswer: true };
    const lingering = Array.from({ length: LINGER.connections }, () => sendInsistently(t.url, slow));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const extra = await sendInsistently(t.url, slow);
    expect(extra.status).toBe(413);
    expect(extra.closedAfterMs).toBeLessThan(LINGER.ms / 2);
    for (const outcome of await Promise.all(lingering)) expect(outcome.closedAfterMs).toBeGreaterThanOrEqual(LINGER.ms - 300);
    await expectHealthy(t);
  });
});
