import fc from 'fast-check';
import WebSocket from 'ws';
import { describe } from 'vitest';
import { cookieHeader, eventIdField, eventIdString, hostileJson, hostileString, objectOf, originHeader, type JsonText } from './support/arbitraries.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { ADMIN_FUZZ_ENV, adminConnectionParams, authorizationHeader } from './support/admin-access.js';
import { auditRowIdString } from './support/admin-inputs.js';
import { ANSWER_TIMEOUT_MS } from './support/exchange.js';
import { FLOORS } from './support/floors.js';
import { batchOf, itEndsHealthy, itFuzzes, useFuzzTarget, type FuzzTarget } from './support/fuzz-target.js';
import { long } from './support/macros.js';
import { leaksIn, problemsWithErrors, serverFailuresIn } from './support/oracle.js';
import { procedureCall, type ProcedureCall } from './support/procedure-calls.js';

/**
 * A WebSocket message, in tRPC's JSON-RPC-like shape or not: a well-formed call (whose answer the
 * run waits for), a fuzzed envelope, a frame that is not JSON at all, or a binary frame.
 */
type WsMessage =
  | { kind: 'call'; method: 'query' | 'mutation' | 'subscription'; call: ProcedureCall; lastEventId: JsonText | undefined; jsonrpc: boolean; stringId: boolean }
  | { kind: 'batch'; calls: ProcedureCall[] }
  | { kind: 'envelope'; text: JsonText }
  | { kind: 'text'; text: string }
  | { kind: 'binary'; bytes: number[] };

interface WsRun {
  cookie: string | undefined;
  /** On the upgrade: the admin token as a script sends it, or none. */
  authorization: string | undefined;
  origin: string | undefined;
  /** `?connectionParams=1`: the first message carries them (the admin token as the admin page sends it, or something else). */
  connectionParams: JsonText | undefined;
  messages: WsMessage[];
}

const callMessage: fc.Arbitrary<WsMessage> = fc.record({
  kind: fc.constant('call' as const),
  method: fc.constantFrom('query' as const, 'mutation' as const, 'subscription' as const),
  call: procedureCall,
  // tRPC's envelope takes a string here (anything else is a malformed envelope, fuzzed below).
  lastEventId: fc.option(fc.oneof(eventIdString, auditRowIdString), { nil: undefined, freq: 4 }),
  jsonrpc: fc.boolean(),
  stringId: fc.boolean(),
});

/** An envelope with every field fuzzed: ids of every type, unknown methods, params that are not objects. */
const fuzzedEnvelope: fc.Arbitrary<JsonText> = objectOf({
  id: fc.oneof(fc.constantFrom('null', '1.5', '-1', '1e309', '"x"', '{}', '[]', 'true'), hostileJson),
  jsonrpc: fc.oneof(fc.constantFrom('"2.0"', '"1.0"', '2'), hostileJson),
  method: fc.oneof(fc.constantFrom('"query"', '"mutation"', '"subscription"', '"subscription.stop"', '"connectionParams"', '"QUERY"'), hostileJson),
  params: fc.oneof(objectOf({ path: fc.oneof(fc.constant('"session.current"'), hostileJson), input: hostileJson, lastEventId: eventIdField }), hostileJson),
});

const wsMessage: fc.Arbitrary<WsMessage> = fc.oneof(
  { arbitrary: callMessage, weight: 10 },
  { arbitrary: fc.array(procedureCall, { minLength: 1, maxLength: 5 }).map((calls) => ({ kind: 'batch' as const, calls })), weight: 1 },
  { arbitrary: fuzzedEnvelope.map((text) => ({ kind: 'envelope' as const, text })), weight: 4 },
  { arbitrary: fc.oneof(hostileString, fc.constantFrom('{', '[', 'PING', 'PONG', '[]', `[${'{},'.repeat(60)}{}]`, `"${long(70_000)}"`)).map((text) => ({ kind: 'text' as const, text })), weight: 2 },
  { arbitrary: fc.uint8Array({ maxLength: 32 }).map((bytes) => ({ kind: 'binary' as const, bytes: [...bytes] })), weight: 1 },
);

const wsRun: fc.Arbitrary<WsRun> = fc.record({
  cookie: cookieHeader,
  authorization: authorizationHeader,
  origin: fc.oneof({ arbitrary: fc.constant(undefined), weight: 9 }, { arbitrary: originHeader, weight: 1 }),
  connectionParams: fc.option(fc.oneof(fc.constant('{"method":"connectionParams","data":{"token":"x"}}'), fc.constant('{"method":"connectionParams","data":null}'), adminConnectionParams, hostileJson), {
    nil: undefined,
    freq: 8,
  }),
  messages: batchOf(wsMessage),
});

/** The id a well-formed call is sent with: numbered by its place in the run, so that no two collide. */
function idOf(message: Extract<WsMessage, { kind: 'call' }>, index: number): string | number {
  return message.stringId ? `call-${index}` : 1_000_000 + index;
}

function callFrame(id: string | number, method: string, call: ProcedureCall, lastEventId?: JsonText, jsonrpc = true): string {
  const params = [`"path":${JSON.stringify(call.path)}`, call.input === undefined ? undefined : `"input":${call.input}`, lastEventId === undefined ? undefined : `"lastEventId":${lastEventId}`];
  return `{"id":${JSON.stringify(id)},${jsonrpc ? '"jsonrpc":"2.0",' : ''}"method":"${method}","params":{${params.filter(Boolean).join(',')}}}`;
}

/** Close codes a server may end a fuzzed socket with: normal, protocol, policy, bad data, too big, restarting. */
const FAIR_CLOSE_CODES = new Set([1000, 1002, 1003, 1005, 1007, 1008, 1009, 1012]);

/**
 * Opens one socket (with the run's cookie and Origin), sends every message, stops every
 * subscription that starts, waits for every well-formed call's answer, and lists what was wrong:
 * a 5xx (or its JSON-RPC code), an error without a message, a leak, a call never answered, a
 * subscription that never stopped, a socket dropped unfairly or no longer answering PING.
 */
async function fuzzSocket(target: FuzzTarget, run: WsRun): Promise<string[]> {
  const problems: string[] = [];
  const headers: Record<string, string> = {};
  if (run.cookie !== undefined) headers.cookie = target.fill(run.cookie);
  if (run.authorization !== undefined) headers.authorization = run.authorization;
  if (run.origin !== undefined) headers.origin = target.fill(run.origin);
  const query = run.connectionParams === undefined ? '' : '?connectionParams=1';
  const ws = new WebSocket(`${target.url.replace(/^http/, 'ws')}/api/trpc${query}`, { headers });
  const sentText: string[] = [JSON.stringify(headers)];
  const waiting = new Map<string, string>(); // reply id → what it answers
  const subscriptions = new Set<string>(); // ids of subscriptions not yet stopped
  let closed: { code: number; reason: string } | undefined;
  let settle: () => void = () => undefined;

  const judgeFrame = (text: string) => {
    const sent = sentText.join('\n');
    problems.push(...leaksIn(text, sent, target.serverPaths), ...serverFailuresIn(text, sent));
    let reply: unknown;
    try {
      reply = JSON.parse(text);
    } catch {
      if (text !== 'PONG' && text !== 'PING') problems.push(`a frame that is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
      return;
    }
    problems.push(...problemsWithErrors(reply));
    if (typeof reply !== 'object' || reply === null || !('id' in reply)) return;
    const key = JSON.stringify(reply.id);
    const result = 'result' in reply ? (reply.result as { type?: string } | undefined) : undefined;
    if (result?.type === 'started' && subscriptions.has(key)) {
      ws.send(`{"id":${key},"method":"subscription.stop"}`);
      return; // its answer is now "stopped"
    }
    if (result?.type === 'data' && subscriptions.has(key)) return; // an event before the stop took effect
    waiting.delete(key);
    subscriptions.delete(key);
    if (waiting.size === 0) settle();
  };

  const opened = await new Promise<boolean>((resolve) => {
    ws.once('open', () => { resolve(true); });
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) >= 500) problems.push(`the upgrade was refused with ${res.statusCode}`);
        problems.push(...leaksIn(body, sentText.join('\n'), target.serverPaths));
        try {
          problems.push(...problemsWithErrors(JSON.parse(body)));
        } catch {
          problems.push(`a refused upgrade whose body is not JSON: ${JSON.stringify(body.slice(0, 200))}`);
        }
        resolve(false);
      });
    });
    ws.once('error', (error) => {
      problems.push(`the upgrade failed: ${error.message}`);
      resolve(false);
    });
  });
  target.requests += 1;
  if (!opened) return problems;

  ws.on('message', (data: Buffer) => { judgeFrame(data.toString('utf8')); });
  const done = new Promise<void>((resolve) => {
    settle = resolve;
    ws.once('close', (code, reason) => {
      closed = { code, reason: reason.toString() };
      resolve();
    });
  });

  const send = (frame: string | Buffer) => {
    const filled = typeof frame === 'string' ? target.fill(frame) : frame;
    sentText.push(filled.toString());
    target.requests += 1;
    ws.send(filled, { binary: typeof frame !== 'string' });
  };
  if (run.connectionParams !== undefined) send(run.connectionParams);
  run.messages.forEach((message, index) => {
    switch (message.kind) {
      case 'call': {
        const id = idOf(message, index);
        waiting.set(JSON.stringify(id), `${message.method} ${message.call.path}`);
        if (message.method === 'subscription') subscriptions.add(JSON.stringify(id));
        send(callFrame(id, message.method, message.call, message.lastEventId, message.jsonrpc));
        return;
      }
      case 'batch': {
        const frames = message.calls.map((call, at) => {
          const id = `batch-${index}-${at}`;
          waiting.set(JSON.stringify(id), `query ${call.path} (in a batch)`);
          return callFrame(id, 'query', call);
        });
        send(`[${frames.join(',')}]`);
        return;
      }
      case 'envelope':
      case 'text':
        send(message.text);
        return;
      case 'binary':
        send(Buffer.from(message.bytes));
        return;
    }
  });
  if (waiting.size === 0) settle();

  const timer = setTimeout(settle, ANSWER_TIMEOUT_MS);
  await done;
  clearTimeout(timer);

  if (closed) {
    if (!FAIR_CLOSE_CODES.has(closed.code)) problems.push(`the server closed the socket with ${closed.code} ${closed.reason}`);
  } else {
    for (const [id, what] of waiting) problems.push(`${what} (id ${id}) ${subscriptions.has(id) ? 'was stopped but never said "stopped"' : 'was never answered'}`);
    const pong = new Promise<boolean>((resolve) => {
      const timeout = setTimeout(() => { resolve(false); }, ANSWER_TIMEOUT_MS);
      ws.on('message', (data: Buffer) => { if (data.toString() === 'PONG') { clearTimeout(timeout); resolve(true); } });
      ws.once('close', () => { clearTimeout(timeout); resolve(true); });
    });
    ws.send('PING');
    if (!(await pong)) problems.push('the socket no longer answers PING');
    ws.close(1000);
  }
  return problems;
}

describe.each(DATABASE_KINDS)('fuzz: every procedure over WebSocket on %s', (database) => {
  const target = useFuzzTarget({ database, env: ADMIN_FUZZ_ENV });

  itFuzzes(
    'answers any run of messages, calls, subscriptions and garbage alike, with no internal error, no leak and a message for every error',
    target,
    wsRun,
    FLOORS.websocket,
    async (fuzzed, run) => {
      const mark = fuzzed.watch.crashes.length;
      const problems = await fuzzSocket(fuzzed, run);
      return [...problems, ...fuzzed.watch.since(mark)];
    },
  );

  itEndsHealthy(target, FLOORS.websocket);
});
