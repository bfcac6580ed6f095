import type { IncomingMessage, ServerResponse } from 'node:http';
import { getErrorShape, getTRPCErrorFromUnknown, transformTRPCResponse, TRPCError, type AnyTRPCProcedure, type AnyTRPCRouter, type TRPCDefaultErrorShape, type TRPCProcedureType, type TRPCRootConfig } from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';
import { isAsyncIterable } from '../api/subscription-budget.js';
import { ClientGoneError } from './json-response.js';
import { proceduresOf } from './trpc-procedures.js';

type CallType = TRPCProcedureType | 'unknown';

export interface JsonCallsOptions {
  router: AnyTRPCRouter;
  maxBodyBytes: number;
  maxBatch: number;
  /** What tRPC's `responseMeta` adds, as far as this server uses it: headers that depend on the errors. */
  headersFor: (errors: readonly TRPCError[]) => Iterable<readonly [string, string]>;
}

/** One request to answer: its procedure path(s) as in the URL, its URL, and its own hooks. */
export interface JsonRequest<Ctx extends object> {
  path: string;
  url: URL;
  createContext: () => Ctx;
  /** Told of every error, as tRPC's `onError` is. */
  onError: (error: TRPCError, path: string | undefined) => void;
}

export interface JsonCalls<Ctx extends object> {
  /**
   * Answers the call(s) of `request` when it is a JSON call (a GET with no body type or JSON's, a
   * POST of JSON; no connection parameters, no subscription) and resolves true once the answer is
   * sent; resolves false, having done nothing, for any other.
   */
  answer(req: IncomingMessage, res: ServerResponse, request: JsonRequest<Ctx>): Promise<boolean>;
}

interface Call {
  path: string;
  index: number;
  procedure: AnyTRPCProcedure | null;
}

type Outcome = { call: Call } & ({ ok: true; data: unknown } | { ok: false; error: TRPCError });

type Answer = { result: { data: unknown } } | { error: unknown };

/** Which methods each procedure type takes (tRPC's, without method override, which is off here). */
const ACCEPTED_METHODS: Record<TRPCProcedureType, string> = { query: 'GET', mutation: 'POST', subscription: 'GET' };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isThenable = (value: unknown) => (isObject(value) || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
/** tRPC's test for an answer only its streaming link can carry. */
const isDataStream = (value: unknown) => isObject(value) && (isAsyncIterable(value) || Object.values(value).some((item) => isThenable(item) || isAsyncIterable(item)));

const streamOnly = () => new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink' });

/** The request's content type says JSON, or says nothing where a query is concerned. */
function isJsonRequest(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  if (req.method === 'GET') return type === undefined || type.startsWith('application/json');
  return req.method === 'POST' && type?.startsWith('application/json') === true;
}

const utf8 = new TextDecoder();

/**
 * The body as text, decoded as Fetch's `Request.json()` decodes it (a leading BOM dropped); past
 * `maxBytes` it fails with tRPC's own PAYLOAD_TOO_LARGE, and the rest is left to flow away.
 */
function readBodyText(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // Gone before its body was asked for: neither 'end' nor 'close' would come now.
    if (req.destroyed) {
      reject(new ClientGoneError());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      stop();
      reject(new TRPCError({ code: 'PAYLOAD_TOO_LARGE' }));
    };
    const onEnd = () => {
      stop();
      resolve(utf8.decode(Buffer.concat(chunks)));
    };
    const onClose = () => {
      stop();
      reject(new ClientGoneError());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
  });
}

function decodedPath(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}

/**
 * The inputs of a request, read once when a procedure first asks (as tRPC reads them: a call that
 * fails before it reads, on an unknown path say, leaves the body unread): from `?input=` on a GET,
 * from the JSON body on a POST; for a batch, one per call by index.
 */
class Inputs {
  private read: Promise<Record<number, unknown>> | undefined;
  private value: Record<number, unknown> | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly url: URL,
    private readonly calls: number,
    private readonly isBatch: boolean,
    private readonly maxBodyBytes: number,
    private readonly deserialize: (input: unknown) => unknown,
  ) {}

  get(index: number): Promise<unknown> {
    this.read ??= this.parse().then(
      (inputs) => (this.value = inputs),
      (cause: unknown) => {
        if (cause instanceof TRPCError) throw cause;
        throw new TRPCError({ code: 'BAD_REQUEST', message: cause instanceof Error ? cause.message : 'Invalid input', cause });
      },
    );
    return this.read.then((inputs) => inputs[index]);
  }

  /** The input of call `index` if it was read, for error shapes and reports. */
  known(index: number): unknown {
    return this.value?.[index];
  }

  private async parse(): Promise<Record<number, unknown>> {
    let raw: unknown;
    if (this.req.method === 'GET') {
      const query = this.url.searchParams.get('input');
      if (query) raw = JSON.parse(query);
    } else {
      raw = JSON.parse(await readBodyText(this.req, this.maxBodyBytes));
    }
    const inputs: Record<number, unknown> = Object.create(null) as Record<number, unknown>;
    if (raw === undefined) return inputs;
    if (!this.isBatch) {
      inputs[0] = this.deserialize(raw);
      return inputs;
    }
    if (!isObject(raw)) throw new TRPCError({ code: 'BAD_REQUEST', message: '"input" needs to be an object when doing a batch call' });
    for (let index = 0; index < this.calls; index += 1) {
      const input = raw[index];
      if (input !== undefined) inputs[index] = this.deserialize(input);
    }
    return inputs;
  }
}

/**
 * tRPC over HTTP for JSON calls (queries by GET, mutations by POST, alone or batched), answered
 * straight from Node's request and response: tRPC's node-http adapter turns each request into a
 * Fetch `Request` and its answer into a `Response` and back, which costs more CPU than
 * `session.validate` itself (a no-op answers ~3.5 times as many calls a second without it). The procedures run as the adapter runs them, and the answer is the same: status, body
 * and error shapes through the router's formatter and transformer, `onError`, the headers its
 * `responseMeta` would add. Anything else (HEAD, form data, octet streams, connection parameters,
 * subscriptions) is left to the adapter; test/unit/trpc-json-calls.test.ts holds the two to the
 * same answers.
 */
export function createJsonCalls<Ctx extends object>(opts: JsonCallsOptions): JsonCalls<Ctx> {
  const config = opts.router._def._config as TRPCRootConfig<{ ctx: Ctx; meta: object; errorShape: TRPCDefaultErrorShape; transformer: boolean }>;
  const procedures = proceduresOf(opts.router);

  /** Writes an answer as the adapter does: its status unless one is set, its headers over the host's. */
  function send(res: ServerResponse, errors: readonly TRPCError[], answers: Answer | Answer[]): void {
    const headers = new Map<string, string>([['vary', 'trpc-accept, accept'], ['content-type', 'application/json']]);
    for (const [name, value] of opts.headersFor(errors)) {
      const key = name.toLowerCase();
      const before = headers.get(key);
      headers.set(key, before === undefined ? value : `${before}, ${value}`);
    }
    if (res.statusCode === 200) res.statusCode = getHTTPStatusCode(answers as Parameters<typeof getHTTPStatusCode>[0]);
    for (const [name, value] of headers) res.setHeader(name, value);
    res.end(JSON.stringify(transformTRPCResponse(config, answers as Parameters<typeof transformTRPCResponse>[1])));
  }

  /** One error answers the whole request: a batch that is malformed as a whole, or an answer only a stream could carry. */
  function refuse(res: ServerResponse, request: JsonRequest<Ctx>, cause: unknown, type: CallType, ctx: Ctx | undefined): void {
    const error = getTRPCErrorFromUnknown(cause);
    request.onError(error, undefined);
    send(res, [error], { error: getErrorShape({ config, error, type, path: undefined, input: undefined, ctx }) });
  }

  async function run(call: Call, request: JsonRequest<Ctx>, method: string, inputs: Inputs, ctx: Ctx | undefined, ctxError: TRPCError | undefined): Promise<Outcome> {
    try {
      const { procedure } = call;
      if (!procedure) throw new TRPCError({ code: 'NOT_FOUND', message: `No procedure found on path "${call.path}"` });
      const type = procedure._def.type;
      if (ACCEPTED_METHODS[type] !== method) throw new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: `Unsupported ${method}-request to ${type} procedure at path "${call.path}"` });
      if (ctxError) throw ctxError;
      // No query or mutation here watches for an abort (the WebSocket handler passes none either).
      const data: unknown = await procedure({ path: call.path, getRawInput: () => inputs.get(call.index), ctx, type, signal: undefined, batchIndex: call.index });
      return { call, ok: true, data };
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      request.onError(error, call.path);
      return { call, ok: false, error };
    }
  }

  function shapeOf(error: TRPCError, call: Call, type: CallType, inputs: Inputs, ctx: Ctx | undefined): Answer {
    return { error: getErrorShape({ config, error, type, path: call.path, input: inputs.known(call.index), ctx }) };
  }

  return {
    async answer(req, res, request) {
      const { url } = request;
      const path = decodedPath(request.path);
      if (path === null || !isJsonRequest(req) || url.searchParams.has('connectionParams')) return false;
      const isBatch = url.searchParams.get('batch') === '1';
      const paths = isBatch ? path.split(',') : [path];
      const calls: Call[] = paths.map((callPath, index) => ({ path: callPath, index, procedure: procedures[callPath] ?? null }));
      const types = new Set(calls.flatMap((call) => (call.procedure ? [call.procedure._def.type] : [])));
      if (types.has('subscription')) return false;

      if (isBatch && paths.length > opts.maxBatch) {
        refuse(res, request, new TRPCError({ code: 'BAD_REQUEST', message: 'Batch call exceeds maximum size' }), 'unknown', undefined);
        return true;
      }
      if (types.size > 1) {
        refuse(res, request, new TRPCError({ code: 'BAD_REQUEST', message: `Cannot mix procedure types in call: ${[...types].join(', ')}` }), 'unknown', undefined);
        return true;
      }
      const type: CallType = types.values().next().value ?? 'unknown';
      const method = req.method ?? 'GET';
      const inputs = new Inputs(req, url, calls.length, isBatch, opts.maxBodyBytes, (input) => config.transformer.input.deserialize(input));
      let ctx: Ctx | undefined;
      let ctxError: TRPCError | undefined;
      try {
        ctx = request.createContext();
      } catch (cause) {
        ctxError = getTRPCErrorFromUnknown(cause);
      }
      const outcomes = await Promise.all(calls.map((call) => run(call, request, method, inputs, ctx, ctxError)));
      if (!isBatch && outcomes.some((outcome) => outcome.ok && isDataStream(outcome.data))) {
        refuse(res, request, streamOnly(), type, ctx);
        return true;
      }
      const errors: TRPCError[] = [];
      const answers = outcomes.map((outcome): Answer => {
        const error = outcome.ok ? (isDataStream(outcome.data) ? streamOnly() : undefined) : outcome.error;
        if (!error) return { result: { data: outcome.ok ? outcome.data : undefined } };
        errors.push(error);
        return shapeOf(error, outcome.call, outcome.call.procedure?._def.type ?? 'unknown', inputs, ctx);
      });
      const [single] = answers;
      send(res, errors, isBatch || !single ? answers : single);
      return true;
    },
  };
}
