import { describe, expect, it } from 'vitest';
import { exchangeRaw } from './support/exchange.js';
import { useFuzzTarget } from './support/fuzz-target.js';
import { firstBody, problemsWithErrors } from './support/oracle.js';

/**
 * Found by the route fuzz: a REST alias refused a body over its limit with 413 but kept the
 * connection alive with the rest of the body unread, so the next request a client sent on that
 * kept-alive connection was never answered.
 */
describe('a REST alias that refuses an oversized body', () => {
  const target = useFuzzTarget();

  const body = `{"sessionId":"${'a'.repeat(1024 * 1024)}"}`;
  const chunked = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n0\r\n\r\n`;
  const next = 'GET /healthz HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n';

  it.each([
    ['declared with Content-Length', `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`],
    ['sent in chunks', `Transfer-Encoding: chunked\r\n\r\n${chunked(body)}`],
  ])('answers 413 and closes the connection when its length is %s, leaving no request on it unanswered', async (_label, framing) => {
    const request = `POST /api/session/validate-uuid HTTP/1.1\r\nHost: fuzz\r\nContent-Type: application/json\r\n${framing}${next}`;
    const answer = await exchangeRaw(target().port, Buffer.from(request, 'latin1'), { untilClose: true });

    expect(answer.hung, answer.text.slice(0, 300)).toBe(false);
    expect(answer.statuses[0]).toBe(413);
    const first = firstBody(answer.text);
    expect(first?.headers).toMatch(/\r\nconnection: close/i);
    expect(problemsWithErrors(JSON.parse(first?.body ?? 'null'))).toEqual([]);
    // Whatever followed was either answered or refused by the closing: never left waiting.
    expect(answer.statuses.slice(1).every((status) => status === 200)).toBe(true);
  });

  it('still reads a body within the limit and keeps the connection for the next request', async () => {
    const small = JSON.stringify({ sessionId: target().live.sessionId });
    const request = `POST /api/session/validate-uuid HTTP/1.1\r\nHost: fuzz\r\nContent-Type: application/json\r\nContent-Length: ${small.length}\r\n\r\n${small}${next}`;
    const answer = await exchangeRaw(target().port, Buffer.from(request, 'latin1'), { untilClose: true });
    expect(answer.statuses).toEqual([200, 200]);
  });
});
