import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cookieHeader, hostileJson, originHeader, urlValue, type JsonText } from './support/arbitraries.js';
import type { HttpRequest } from './support/exchange.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { ADMIN_FUZZ_ENV, authorizationHeader } from './support/admin-access.js';
import { batchOf, itEndsHealthy, itFuzzes, useFuzzTarget } from './support/fuzz-target.js';
import { pathSegment, procedureCall, type ProcedureCall } from './support/procedure-calls.js';
import { FLOORS } from './support/floors.js';

/** How the calls travel: one per request or a batch, in the query (GET) or the body (POST). */
type Transport = 'get' | 'post' | 'batch-get' | 'batch-post';

interface TrpcHttpRequest {
  transport: Transport;
  calls: ProcedureCall[];
  /** The `batch` query parameter: `1`, or something a client got wrong. */
  batchFlag: string;
  contentType: string | undefined;
  /** tRPC's streaming batch answer (`trpc-accept: application/jsonl`). */
  streamed: boolean;
  cookie: string | undefined;
  /** The admin token as Bearer or Basic, or none: the admin procedures' gate. */
  authorization: string | undefined;
  origin: string | undefined;
  /** A raw query value put in place of the input, when set. */
  garbledQuery: string | undefined;
  /** A body put in place of the batch's object, when set. */
  garbledBatch: JsonText | undefined;
}

const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 8 },
  {
    arbitrary: fc.constantFrom(
      undefined,
      'text/plain',
      'application/json; charset=utf-16',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'application/x-www-form-urlencoded',
      'garbage/;;;',
      'application/json, text/html',
    ),
    weight: 2,
  },
);

function rarely<T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: 9 }, { arbitrary: value, weight: 1 });
}

const trpcHttpRequest: fc.Arbitrary<TrpcHttpRequest> = fc.constantFrom<Transport>('get', 'post', 'batch-get', 'batch-post').chain((transport) =>
  fc.record({
    transport: fc.constant(transport),
    calls: transport.startsWith('batch') ? fc.array(procedureCall, { minLength: 1, maxLength: 4 }) : procedureCall.map((call) => [call]),
    batchFlag: fc.oneof({ arbitrary: fc.constant('1'), weight: 9 }, { arbitrary: fc.constantFrom('0', 'true', '', 'abc', '1&batch=0'), weight: 1 }),
    contentType,
    streamed: fc.boolean(),
    cookie: cookieHeader,
    authorization: authorizationHeader,
    origin: originHeader,
    // One request in ten: fc.option's freq is how rarely it gives nil, so `freq: 10` garbled nine in
    // ten, and GET calls then hardly ever carried the input the procedure generators wrote.
    garbledQuery: rarely(urlValue),
    garbledBatch: rarely(hostileJson),
  }),
);

function batchObject(calls: readonly ProcedureCall[]): JsonText {
  return `{${calls.flatMap((call, index) => (call.input === undefined ? [] : [`"${index}":${call.input}`])).join(',')}}`;
}

/** The request as tRPC's own links would write it, with the fuzzed parts in place. */
function toHttp(request: TrpcHttpRequest): HttpRequest {
  const batch = request.transport.startsWith('batch');
  const paths = request.calls.map((call) => pathSegment(call.path)).join(',');
  const input = batch ? (request.garbledBatch ?? batchObject(request.calls)) : request.calls[0]?.input;
  const query = [batch ? `batch=${request.batchFlag}` : undefined];
  const headers: Record<string, string> = {};
  if (request.cookie !== undefined) headers.cookie = request.cookie;
  if (request.authorization !== undefined) headers.authorization = request.authorization;
  if (request.origin !== undefined) headers.origin = request.origin;
  if (request.streamed) headers['trpc-accept'] = 'application/jsonl';
  if (request.transport.endsWith('get')) {
    if (request.garbledQuery !== undefined) query.push(`input=${request.garbledQuery}`);
    else if (input !== undefined) query.push(`input=${encodeURIComponent(input)}`);
    const search = query.filter(Boolean).join('&');
    return { method: 'GET', path: `/api/trpc/${paths}${search ? `?${search}` : ''}`, headers };
  }
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  const search = query.filter(Boolean).join('&');
  return { method: 'POST', path: `/api/trpc/${paths}${search ? `?${search}` : ''}`, headers, body: input ?? '' };
}

describe.each(DATABASE_KINDS)('fuzz: every procedure over HTTP on %s', (database) => {
  const target = useFuzzTarget({ database, env: ADMIN_FUZZ_ENV });

  itFuzzes(
    'answers any batch of calls, single or batched, by GET or POST, with no 5xx, no leak and a message for every error',
    target,
    batchOf(trpcHttpRequest),
    FLOORS.trpcHttp,
    (fuzzed, requests) => fuzzed.exchangeAll(requests.map(toHttp)),
  );

  it('leaves Object.prototype as it was', () => {
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('isAdmin');
  });

  itEndsHealthy(target, FLOORS.trpcHttp);
});
