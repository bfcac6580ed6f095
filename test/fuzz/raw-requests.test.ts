import fc from 'fast-check';
import { describe } from 'vitest';
import { CREDENTIAL_COOKIE } from '../../src/shared/limits.js';
import { FLOORS } from './support/floors.js';
import { batchOf, itEndsHealthy, itFuzzes, useFuzzTarget, type RawRequest } from './support/fuzz-target.js';
import { LIVE, long } from './support/macros.js';

/**
 * Requests written byte by byte on raw TCP connections: what fetch and node:http refuse to send.
 * Everything here is latin1 text, one character a byte.
 */

/** Paths the app serves, for odd targets to wrap. */
const routePath = fc.constantFrom(
  '/healthz',
  '/readyz',
  '/api/trpc',
  '/api/trpc/session.current',
  '/api/trpc/session.validate',
  '/api/session/generate-uuid',
  '/api/session/validate-uuid',
  `/api/files?sessionId=${LIVE.sessionId}&name=x.txt`,
  `/api/files/${LIVE.fileId}`,
);

/** Request targets that `new URL()` or a router may choke on: absolute forms, bad ports, `*`, `%` garbage, huge. */
const oddRequestTarget: fc.Arbitrary<string> = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      '//a:99999/',
      'http://a:99999/',
      '*',
      '//',
      '/\\',
      '/%',
      '/%zz',
      '/%00',
      '/?%',
      'a',
      '/healthz#frag',
      'http://[::1',
      'http://user:pass@host/',
      '//a:-1/',
      'http://a:65536/api/trpc',
      '/api/trpc/session.current?input=%',
      '/api/files/%E0%A4%A',
      '/..%2f..%2fetc/passwd',
      '/\xff\xfe',
      `/${long(20_000)}`,
    ),
    weight: 3,
  },
  {
    arbitrary: fc
      .tuple(fc.constantFrom('http://', 'https://', '//', 'ws://', 'HTTP://', ''), fc.constantFrom('a', '127.0.0.1', '[::1]', '[::1', 'a b', ''), fc.constantFrom('', ':0', ':80', ':99999', ':-1', ':abc', ':'), routePath)
      .map(([scheme, host, port, path]) => (scheme === '' ? path : `${scheme}${host}${port}${path}`)),
    weight: 3,
  },
  { arbitrary: routePath, weight: 4 },
);

const method = fc.oneof(
  { arbitrary: fc.constantFrom('GET', 'POST'), weight: 6 },
  { arbitrary: fc.constantFrom('HEAD', 'OPTIONS', 'PUT', 'DELETE', 'CONNECT', 'TRACE', 'PATCH', 'FOO', 'get', 'M-SEARCH', 'PRI', ''), weight: 2 },
);

const httpVersion = fc.oneof({ arbitrary: fc.constant('HTTP/1.1'), weight: 8 }, { arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'http/1.1', 'HTTP/1.10', 'HTTP/1.1 x', ''), weight: 1 });

const hostHeader = fc.oneof(
  { arbitrary: fc.constant('Host: 127.0.0.1'), weight: 6 },
  { arbitrary: fc.constantFrom('', 'Host: a:99999', 'Host: [::1', 'Host:', 'Host: a\r\nHost: b', `Host: ${long(10_000)}`, 'Host: \xe9vil', 'Host: localhost:0', 'Host: a/b?c#d'), weight: 2 },
);

/**
 * Headers a proxy would strip and a parser may choke on: lengths that lie or repeat, encodings
 * stacked, folded and NUL-bearing values, huge headers, odd cookies and origins, upgrades.
 */
const oddHeader = fc.constantFrom(
  'Content-Length: -1',
  'Content-Length: abc',
  'Content-Length: 1, 2',
  'Content-Length: 0\r\nContent-Length: 1',
  'Content-Length: 99999999999999999999',
  'Content-Length: 0x10',
  'Transfer-Encoding: chunked, gzip',
  'Transfer-Encoding: xchunked',
  'Transfer-Encoding: identity',
  `Cookie: ${CREDENTIAL_COOKIE}=${LIVE.credential}`,
  `Cookie: ${CREDENTIAL_COOKIE}=\xff\xfe`,
  `Cookie: ${CREDENTIAL_COOKIE}=%`,
  `Cookie: ${long(20_000)}`,
  'Cookie: a\u0000b',
  `Cookie: ${CREDENTIAL_COOKIE}=a\r\nCookie: ${CREDENTIAL_COOKIE}=b`,
  'Origin: null',
  'Origin: http://evil.example',
  'Origin: http://a:99999',
  'Origin: \xff',
  `X-Big: ${long(20_000)}`,
  'X-Folded: a\r\n b',
  'X-Nul: a\u0000b',
  'NoColon',
  ' Leading: space',
  'Bad Name: x',
  'X-Empty:',
  'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 99\r\nSec-WebSocket-Key: x',
  'Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA',
  'Expect: 100-continue',
  'Expect: nonsense',
  'X-Forwarded-For: 1.2.3.4, ::1, garbage',
  'X-Forwarded-Proto: https',
  'X-Request-Id: \xff<script>',
  'Content-Type: multipart/form-data; boundary=',
  'Content-Type: application/json; charset=\xff',
  'Range: bytes=0-0,-1',
  'trpc-accept: application/jsonl',
  'Accept: text/event-stream',
  Array.from({ length: 150 }, (_, index) => `X-Many-${index}: ${index}`).join('\r\n'),
);

interface FramedBody {
  headers: string[];
  body: string;
}

const framing = (headers: string[], body: string): FramedBody => ({ headers, body });

/** A body and how it is framed: by a true length, in (possibly broken) chunks, or not at all. */
const framedBody: fc.Arbitrary<FramedBody> = fc.oneof(
  { arbitrary: fc.constant(framing([], '')), weight: 3 },
  {
    arbitrary: fc
      .oneof(
        fc.constantFrom('{"sessionId":"{{sessionId}}"}', '{"0":{"sessionId":"{{sessionId}}"}}', '{', 'null', '\u0000\xff', `"${long(70_000)}"`),
        fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
      )
      .chain((body) =>
        fc.oneof(
          fc.constant(framing(['Content-Type: application/json', `Content-Length: ${expandedLength(body)}`], body)),
          fc.constant(framing(['Content-Type: application/json', 'Transfer-Encoding: chunked'], `${expandedLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`)),
        ),
      ),
    weight: 4,
  },
  {
    arbitrary: fc.constantFrom(
      framing(['Transfer-Encoding: chunked'], 'zz\r\nabc\r\n0\r\n\r\n'),
      framing(['Transfer-Encoding: chunked', 'Content-Length: 5'], '5\r\nhello\r\n0\r\n\r\n'),
      framing(['Transfer-Encoding: chunked'], `${'f'.repeat(20)}\r\nx\r\n0\r\n\r\n`),
      framing(['Content-Length: 0'], 'GARBAGE / HTTP/1.1\r\n\r\n'),
    ),
    weight: 1,
  },
);

/** The length of a body once its tokens are expanded (the live ids are 36 bytes, credentials 43). */
function expandedLength(body: string): number {
  return Buffer.byteLength(
    body.replace(/\{\{(sessionId|fileId|credential|long:(\d+))\}\}/g, (_token, name: string, size?: string) => 'x'.repeat(size ? Number(size) : name === 'credential' ? 43 : 36)),
    'latin1',
  );
}

/** After the request, on the same connection: a plain one that must be answered unless the connection was closed. */
const FOLLOW_UP = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';

const rawRequest: fc.Arbitrary<RawRequest> = fc
  .record({
    method,
    target: oddRequestTarget,
    version: httpVersion,
    host: hostHeader,
    odd: fc.array(oddHeader, { maxLength: 3 }),
    framed: framedBody,
    then: fc.constantFrom('wait', 'wait', 'wait', 'follow-up', 'reset'),
  })
  .map(({ method: verb, target, version, host, odd, framed, then }) => {
    const head = [`${verb} ${target} ${version}`.trimEnd(), host, ...odd, ...framed.headers].filter((line) => line !== '');
    const request = `${head.join('\r\n')}\r\n\r\n${framed.body}`;
    return { bytes: then === 'follow-up' ? `${request}${FOLLOW_UP}` : request, reset: then === 'reset', untilClose: then === 'follow-up' };
  });

describe('fuzz: raw requests with odd targets, headers and framing', () => {
  const target = useFuzzTarget();

  itFuzzes(
    'answers (or refuses and hangs up on) any request line, header set and body framing, never with a 5xx, a leak or a crash',
    target,
    batchOf(rawRequest),
    FLOORS.rawRequests,
    (fuzzed, requests) => fuzzed.exchangeAllRaw(requests),
  );

  itEndsHealthy(target, FLOORS.rawRequests);
});
