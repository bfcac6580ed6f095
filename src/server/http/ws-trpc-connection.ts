import { TRPCError, type TRPCProcedureType } from '@trpc/server';
import type { Encoder } from '@trpc/server/adapters/ws';
import { parseConnectionParamsFromUnknown, type TRPCRequestInfo } from '@trpc/server/http';
import { isObservable } from '@trpc/server/observable';
import { parseTRPCMessage, type TRPCClientOutgoingMessage } from '@trpc/server/rpc';
import type { RawData, WebSocket } from 'ws';
import { isAsyncIterable } from '../api/subscription-budget.js';
import type { ProceduresByPath } from './trpc-procedures.js';
import { WsSubscription, type SubscriptionOwner } from './ws-trpc-subscription.js';
import { SubscriptionsById } from './ws-trpc-subscriptions.js';
import type { Call, RequestId, TrpcWire } from './ws-trpc-wire.js';

/** Close code 1009: the message is too big to process (RFC 6455), as for a frame over maxPayload. */
export const MESSAGE_TOO_BIG = 1009;

export type ConnectionParams = TRPCRequestInfo['connectionParams'];

/** What every connection of one handler shares. */
export interface ConnectionParts<Ctx extends object> {
  procedures: ProceduresByPath;
  wire: TrpcWire<Ctx>;
  encoder: Encoder;
  /** Calls one message may carry: tRPC runs each element of an array message as a call, with no bound of its own. */
  maxBatch: number;
  /** The context with the client's connection parameters (its first message, when the URL says `connectionParams=1`). */
  withConnectionParams: (ctx: Ctx, params: ConnectionParams) => Ctx;
  /** Subscriptions called without an AbortSignal (see TrpcWsHandlerOptions.stopsOnReturn). */
  stopsOnReturn: (path: string) => boolean;
}

/** The answers to a message that is no call (nothing to tell the error formatter). */
const NOT_A_CALL: Call = { id: null, jsonrpc: undefined, type: 'unknown', path: undefined, input: undefined };

/** A call the message carried, its input with the resume point merged in. */
interface Request extends Call {
  readonly id: RequestId;
  readonly type: TRPCProcedureType;
  readonly path: string;
}

/**
 * One socket's side of tRPC's WebSocket protocol, as `@trpc/client`'s wsLink speaks it: text
 * PING/PONG, connection parameters as the first message, calls alone or in arrays, subscriptions
 * by id with `subscription.stop`, `lastEventId` merged into the input. What a socket keeps while
 * it idles is this object, its context and its live subscriptions.
 */
export class TrpcConnection<Ctx extends object> implements SubscriptionOwner<Ctx> {
  /** Undefined until the connection parameters are read, and for good if they could not be. */
  ctx: Ctx | undefined;
  /** The context waiting for the connection parameters. */
  private pending: Ctx | undefined;
  /** Why no call is served: the connection parameters were unreadable (the socket is closing). */
  private refusal: unknown;
  private readonly subscriptions = new SubscriptionsById<WsSubscription<Ctx>>();

  constructor(
    readonly socket: WebSocket,
    private readonly parts: ConnectionParts<Ctx>,
    ctx: Ctx,
    expectsConnectionParams: boolean,
  ) {
    if (expectsConnectionParams) this.pending = ctx;
    else this.ctx = ctx;
  }

  get wire(): TrpcWire<Ctx> {
    return this.parts.wire;
  }

  receive(raw: RawData, isBinary: boolean): void {
    if (!Buffer.isBuffer(raw)) {
      this.wire.error(this.socket, NOT_A_CALL, new TRPCError({ code: 'UNPROCESSABLE_CONTENT', message: 'Unexpected WebSocket message format' }), this.ctx, false);
      return;
    }
    const data = isBinary ? raw : raw.toString('utf8');
    // Keep-alive, in text whatever the encoder: the client's PING is answered, its PONG needs nothing.
    if (data === 'PONG') return;
    if (data === 'PING') {
      this.socket.send('PONG');
      return;
    }
    if (this.pending !== undefined) {
      this.acceptConnectionParams(data);
      return;
    }
    this.callsIn(data).forEach((message, index) => { this.handle(message, index); });
  }

  /** The socket closed: every subscription stops. */
  closed(): void {
    for (const subscription of this.subscriptions.all()) subscription.stop();
  }

  /** The socket failed (a broken frame, a frame over the size limit): reported, not answered. */
  failed(cause: unknown): void {
    this.wire.reportOnly(cause, undefined, this.ctx);
  }

  forget(subscription: WsSubscription<Ctx>): void {
    this.subscriptions.remove(subscription);
  }

  private acceptConnectionParams(data: string | Buffer): void {
    const ctx = this.pending;
    this.pending = undefined;
    if (ctx === undefined) return;
    try {
      this.ctx = this.parts.withConnectionParams(ctx, parseConnectionParamsFromUnknown(this.connectionParamsIn(data)));
    } catch (cause) {
      this.refusal = cause;
      this.wire.error(this.socket, NOT_A_CALL, cause, undefined);
      setImmediate(() => { this.socket.close(); });
    }
  }

  private connectionParamsIn(data: string | Buffer): unknown {
    try {
      const message = this.parts.encoder.decode(data);
      if (!isRecord(message)) throw new Error('Message was not an object');
      return message.data;
    } catch (cause) {
      throw new TRPCError({ code: 'PARSE_ERROR', message: 'Malformed TRPCConnectionParamsMessage', cause });
    }
  }

  /** The calls a message carries; none when it is unreadable (answered with PARSE_ERROR) or carries too many (the socket is closed). */
  private callsIn(data: string | Buffer): TRPCClientOutgoingMessage[] {
    const { encoder, maxBatch, wire } = this.parts;
    try {
      const decoded = encoder.decode(data);
      const messages = Array.isArray(decoded) ? decoded : [decoded];
      if (messages.length > maxBatch) {
        this.socket.close(MESSAGE_TOO_BIG, `at most ${maxBatch} calls per message`);
        return [];
      }
      return messages.map((message) => parseTRPCMessage(message, wire.config.transformer));
    } catch (cause) {
      this.wire.error(this.socket, NOT_A_CALL, new TRPCError({ code: 'PARSE_ERROR', cause }), this.ctx, false);
      return [];
    }
  }

  private handle(message: TRPCClientOutgoingMessage, batchIndex: number): void {
    const { id, jsonrpc } = message;
    if (id === null) {
      const call: Call = { ...NOT_A_CALL, jsonrpc };
      this.wire.error(this.socket, call, new TRPCError({ code: 'PARSE_ERROR', message: '`id` is required' }), this.ctx);
      return;
    }
    if (message.method === 'subscription.stop') {
      this.subscriptions.get(id)?.stop();
      return;
    }
    const request: Request = { id, jsonrpc, type: message.method, path: message.params.path, input: withLastEventId(message.params.input, message.params.lastEventId) };
    if (this.refusal !== undefined) this.wire.error(this.socket, request, this.refusal, undefined);
    else if (request.type === 'subscription') this.subscribe(request, batchIndex);
    else this.call(request, batchIndex);
  }

  private call(request: Request, batchIndex: number): void {
    const { id, jsonrpc, type, path, input } = request;
    this.run(type, path, input, undefined, batchIndex)
      .then((data) => {
        if (isAsyncIterable(data) || isObservable(data)) {
          throw new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: `Cannot return an async iterable or observable from a ${type} procedure with WebSockets` });
        }
        this.wire.result(this.socket, id, jsonrpc, { type: 'data', data });
      })
      .catch((cause: unknown) => { this.wire.error(this.socket, request, cause, this.ctx); });
  }

  private subscribe(request: Request, batchIndex: number): void {
    const { id, jsonrpc, path, input } = request;
    if (this.subscriptions.get(id)) {
      this.wire.error(this.socket, request, new TRPCError({ code: 'BAD_REQUEST', message: `Duplicate id ${id}` }), this.ctx);
      return;
    }
    const subscription = new WsSubscription(this, id, jsonrpc, path, input, this.parts.stopsOnReturn(path) ? undefined : new AbortController());
    this.subscriptions.add(subscription);
    this.run('subscription', path, input, subscription.signal, batchIndex)
      .then((result) => { subscription.started(result); })
      .catch((cause: unknown) => { subscription.refused(cause); });
  }

  /** Runs a call as `callTRPCProcedure` does, the procedure called straight (see proceduresOf). */
  private async run(type: TRPCProcedureType, path: string, input: unknown, signal: AbortSignal | undefined, batchIndex: number): Promise<unknown> {
    const procedure = this.parts.procedures[path];
    if (procedure?._def.type !== type) throw new TRPCError({ code: 'NOT_FOUND', message: `No "${type}"-procedure on path "${path}"` });
    return procedure({ path, getRawInput: () => Promise.resolve(input), ctx: this.ctx, type, signal, batchIndex });
  }
}

/** tRPC's client sends a subscription's resume point beside its input; the procedure reads it in the input. */
function withLastEventId(input: unknown, lastEventId: string | undefined): unknown {
  if (lastEventId === undefined) return input;
  if (isRecord(input)) return { ...input, lastEventId };
  return input ?? { lastEventId };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
