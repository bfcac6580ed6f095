import fc from 'fast-check';
import { describe } from 'vitest';
import { cookieHeader, hostileJson, hostileString, objectOf, originHeader, percentEncode, sessionIdField, urlValue, uuidLike } from './support/arbitraries.js';
import type { HttpRequest } from './support/exchange.js';
import { FLOORS } from './support/floors.js';
import { batchOf, itEndsHealthy, itFuzzes, useFuzzTarget } from './support/fuzz-target.js';
import { LIVE, long } from './support/macros.js';

/** The headers every route request may carry: a cookie (often the live one) and, rarely, an Origin. */
const commonHeaders: fc.Arbitrary<Record<string, string>> = fc.record({ cookie: cookieHeader, origin: originHeader }).map(({ cookie, origin }) => {
  const headers: Record<string, string> = {};
  if (cookie !== undefined) headers.cookie = cookie;
  if (origin !== undefined) headers.origin = origin;
  return headers;
});

/** Characters node:http lets through in a header value; the raw-socket fuzz sends the rest. */
function headerSafe(text: string): string {
  return text.replace(/[^\t\x20-\x7e]/g, '?');
}

/** A body that was meant to be JSON: an object, any JSON, broken JSON or nothing. */
const jsonishBody: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: objectOf({ sessionId: sessionIdField }), weight: 4 },
  { arbitrary: hostileJson, weight: 3 },
  { arbitrary: fc.constantFrom('', '{', '{"sessionId":', '{sessionId:1}', '[', 'null', '\u0000', '{"sessionId":"\\ud800"}', "{'sessionId':'x'}"), weight: 2 },
);

const jsonContentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 6 },
  { arbitrary: fc.constantFrom(undefined, 'text/plain', 'application/json; charset=latin1', 'application/jsonx', 'multipart/form-data', ''), weight: 1 },
);

/** `POST /api/session/generate-uuid` and `/validate-uuid`, and the other methods on those paths. */
const restAliasRequest: fc.Arbitrary<HttpRequest> = fc
  .record({
    path: fc.constantFrom('/api/session/generate-uuid', '/api/session/validate-uuid'),
    method: fc.oneof({ arbitrary: fc.constant('POST'), weight: 8 }, { arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'HEAD'), weight: 1 }),
    body: jsonishBody,
    contentType: jsonContentType,
    headers: commonHeaders,
  })
  .map(({ path, method, body, contentType, headers }) => ({
    method,
    path,
    headers: contentType === undefined ? headers : { ...headers, 'content-type': contentType },
    body: method === 'GET' || method === 'HEAD' ? undefined : body,
  }));

/** A file name: a plain one, one that names a program, a path, or anything at all. */
const fileName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('notes.txt', 'photo.png', 'run.exe', 'script.js', 'x.bat', '.htaccess', '../../../etc/passwd', 'C:\\windows\\x.dll', 'a/b/c.txt', 'CON', 'file\u0000.txt', long(300)),
  hostileString,
);

/** Bytes an upload may carry: text, a program's magic bytes, nothing, or a lot. */
const fileContent: fc.Arbitrary<string> = fc.oneof(
  fc.lorem(),
  fc.constantFrom('', 'MZ\u0090\u0000\u0003', '\u007fELF\u0002\u0001', '#!/bin/sh\nrm -rf /\n', '\u0089PNG\r\n\u001a\n', 'PK\u0003\u0004', '%PDF-1.4', '<html><script>alert(1)</script>'),
  fc.constantFrom(4096, 70_000, 300_000).map(long),
  hostileString,
);

/** The upload's query string: the live session or not, with a name or not, and sometimes garbage. */
const uploadQuery: fc.Arbitrary<string> = fc
  .record({
    sessionId: fc.option(fc.oneof({ arbitrary: fc.constant(LIVE.sessionId), weight: 5 }, { arbitrary: uuidLike.map(percentEncode), weight: 1 }, { arbitrary: urlValue, weight: 2 }), {
      nil: undefined,
      freq: 8,
    }),
    name: fc.option(fileName, { nil: undefined, freq: 4 }),
    extra: fc.option(fc.constantFrom('&sessionId=x', '&name=a&name=b', '&', '&&=&', '&%=%', `&sessionId=${LIVE.sessionId}`), { nil: undefined, freq: 5 }),
  })
  .map(({ sessionId, name, extra }) => {
    const params = [sessionId === undefined ? undefined : `sessionId=${sessionId}`, name === undefined ? undefined : `name=${percentEncode(name)}`];
    return `${params.filter(Boolean).join('&')}${extra ?? ''}`;
  });

/** `POST /api/files` with the raw bytes as the body. */
const rawUploadRequest: fc.Arbitrary<HttpRequest> = fc
  .record({
    query: uploadQuery,
    content: fileContent,
    contentType: fc.option(fc.constantFrom('text/plain', 'application/octet-stream', 'image/png', 'application/x-msdownload', 'text/html', 'garbage', ''), { nil: undefined }),
    headers: commonHeaders,
  })
  .map(({ query, content, contentType, headers }) => ({
    method: 'POST',
    path: `/api/files?${query}`,
    headers: contentType === undefined ? headers : { ...headers, 'content-type': contentType },
    body: Buffer.from(content, 'latin1'),
  }));

interface FormPart {
  field: string;
  filename: string | undefined;
  contentType: string | undefined;
  content: string;
}

const formPart: fc.Arbitrary<FormPart> = fc.record({
  field: fc.oneof({ arbitrary: fc.constant('file'), weight: 4 }, { arbitrary: fc.constantFrom('name', 'files', 'FILE', ''), weight: 1 }, { arbitrary: hostileString.map(headerSafe), weight: 1 }),
  filename: fc.option(fileName.map(headerSafe), { nil: undefined, freq: 6 }),
  contentType: fc.option(fc.constantFrom('text/plain', 'application/octet-stream', 'multipart/mixed; boundary=inner', 'x'), { nil: undefined }),
  content: fileContent,
});

/**
 * `POST /api/files` as multipart/form-data, well-formed or broken: a boundary the body does not
 * use, a body cut short, no closing delimiter, too many parts, no file at all.
 */
const multipartUploadRequest: fc.Arbitrary<HttpRequest> = fc
  .record({
    query: uploadQuery,
    boundary: fc.oneof(fc.constantFrom('fuzzboundary', '----WebKitFormBoundary7MA4YWxkTrZu0gW', 'b'.repeat(70), 'a b', '"quoted"'), hostileString.map(headerSafe)),
    declaredBoundary: fc.option(fc.constantFrom('other', '', '"fuzzboundary"', 'fuzzboundary; boundary=x'), { nil: undefined, freq: 6 }),
    parts: fc.oneof({ arbitrary: fc.array(formPart, { maxLength: 4 }), weight: 9 }, { arbitrary: fc.array(formPart, { minLength: 31, maxLength: 35 }), weight: 1 }),
    cutAt: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined, freq: 5 }),
    closed: fc.boolean(),
    headers: commonHeaders,
  })
  .map(({ query, boundary, declaredBoundary, parts, cutAt, closed, headers }) => {
    const body = parts
      .map((part) => {
        const disposition = `form-data; name="${part.field}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
        const type = part.contentType === undefined ? '' : `Content-Type: ${part.contentType}\r\n`;
        return `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n${part.content}\r\n`;
      })
      .join('');
    const whole = closed ? `${body}--${boundary}--\r\n` : body;
    const sent = cutAt === undefined ? whole : whole.slice(0, Math.floor(whole.length * cutAt));
    return {
      method: 'POST',
      path: `/api/files?${query}`,
      headers: { ...headers, 'content-type': `multipart/form-data; boundary=${declaredBoundary ?? boundary}` },
      body: Buffer.from(sent, 'latin1'),
    };
  });

/** `GET /api/files/<id>` (and HEAD), for the live file or any other id, with or without a Range. */
const downloadRequest: fc.Arbitrary<HttpRequest> = fc
  .record({
    method: fc.constantFrom('GET', 'GET', 'HEAD'),
    id: fc.oneof({ arbitrary: fc.constant(LIVE.fileId), weight: 4 }, { arbitrary: uuidLike.map(percentEncode), weight: 1 }, { arbitrary: urlValue, weight: 2 }, { arbitrary: fc.constantFrom('', '/', '..', `${LIVE.fileId}/x`, `${LIVE.fileId}?download=1`), weight: 1 }),
    range: fc.option(fc.constantFrom('bytes=0-0', 'bytes=-1', 'bytes=5-1', 'bytes=0-', 'bytes=-0', 'bytes=99999999999999999999-', 'bytes=0-99999999999999999999', 'bytes=abc', 'bytes=0-1,2-3', 'items=0-1', ''), { nil: undefined, freq: 3 }),
    headers: commonHeaders,
  })
  .map(({ method, id, range, headers }) => ({ method, path: `/api/files/${id}`, headers: range === undefined ? headers : { ...headers, range } }));

/** `/healthz` and `/readyz`, by any method, with a query that means nothing to them. */
const healthRequest: fc.Arbitrary<HttpRequest> = fc
  .record({
    path: fc.constantFrom('/healthz', '/readyz'),
    method: fc.constantFrom('GET', 'HEAD', 'POST', 'OPTIONS', 'DELETE'),
    query: fc.option(urlValue, { nil: undefined }),
    headers: commonHeaders,
  })
  .map(({ path, method, query, headers }) => ({ method, path: query === undefined ? path : `${path}?${query}`, headers }));

/** Paths no route serves: near misses, traversals, admin pages that are off, and noise. */
const unknownPathRequest: fc.Arbitrary<HttpRequest> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND'),
    path: fc.oneof(
      fc.constantFrom('/', '/api', '/api/', '/api/trpc', '/API/TRPC/session.current', '/api/session/', '/api/files/', '/api/files//x', '/admin', '/admin/queues', '/metrics', '/.env', '/%2e%2e/%2e%2e/etc/passwd', '/index.html', `/${long(8000)}`),
      fc.array(urlValue, { minLength: 1, maxLength: 4 }).map((segments) => `/${segments.join('/')}`),
    ),
    body: fc.option(hostileJson, { nil: undefined }),
    headers: commonHeaders,
  })
  .map(({ method, path, body, headers }) => ({ method, path, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body }));

const routeRequest: fc.Arbitrary<HttpRequest> = fc.oneof(
  { arbitrary: restAliasRequest, weight: 3 },
  { arbitrary: rawUploadRequest, weight: 2 },
  { arbitrary: multipartUploadRequest, weight: 2 },
  { arbitrary: downloadRequest, weight: 2 },
  { arbitrary: healthRequest, weight: 1 },
  { arbitrary: unknownPathRequest, weight: 2 },
);

describe('fuzz: every HTTP route', () => {
  const target = useFuzzTarget();

  itFuzzes(
    'answers REST aliases, uploads (raw and multipart), downloads, health checks and unknown paths with no 5xx, no leak and a message for every error',
    target,
    batchOf(routeRequest),
    FLOORS.httpRoutes,
    (fuzzed, requests) => fuzzed.exchangeAll(requests),
  );

  itEndsHealthy(target, FLOORS.httpRoutes);
});
