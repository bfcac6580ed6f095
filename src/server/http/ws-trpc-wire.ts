import { getErrorShape, getTRPCErrorFromUnknown, isTrackedEnvelope, type AnyTRPCRouter, type TRPCDefaultErrorShape, type TRPCError, type TRPCProcedureType, type TRPCRootConfig } from '@trpc/server';
import type { Encoder } from '@trpc/server/adapters/ws';
import type { TRPCResponseMessage, TRPCResultMessage } from '@trpc/server/rpc';
import { WebSocket } from 'ws';

export type RequestId = string | number;
export type JsonRpc = '2.0' | undefined;

/** What an answer answers: the call's id, and what tRPC's error formatter is told about it. */
export interface Call {
  readonly id: RequestId | null;
  readonly jsonrpc: JsonRpc;
  readonly type: TRPCProcedureType | 'unknown';
  readonly path: string | undefined;
  readonly input: unknown;
}

/** Told of every error tRPC's adapter would report (not of malformed messages, which it only answers). */
export type WsErrorReporter<Ctx> = (error: TRPCError, path: string | undefined, ctx: Ctx | undefined) => void;

type Result = TRPCResultMessage<unknown>['result'];

export interface WireOptions<Ctx extends object> {
  router: AnyTRPCRouter;
  encoder: Encoder;
  onError: WsErrorReporter<Ctx>;
  /**
   * A subscription's value that is sent, unchanged, to many subscriptions (deeply frozen, so
   * that its encoding cannot change): each of its messages is encoded once for all sockets whose
   * subscription has the same id, and those sockets are handed the same bytes.
   */
  isSharedValue?: (value: object) => boolean;
}

/**
 * Messages kept per shared value, at most. A value lives as long as a subscription has still to
 * get it (one that is held, say); a session whose tabs subscribed under many ids must not make
 * it hold a copy for each.
 */
const MAX_FRAMES_PER_VALUE = 64;

/** A message as encoded for the wire, ready to be written to any number of sockets. */
interface Frame {
  bytes: Buffer;
  binary: boolean;
}

/**
 * How answers leave, the same for every socket of a handler: through the router's transformer
 * and the encoder, shaped by the router's error formatter, byte for byte as tRPC's WebSocket
 * adapter writes them. A socket that is no longer open is written nothing.
 */
export class TrpcWire<Ctx extends object> {
  /** The router's error formatter and transformer. */
  readonly config: TRPCRootConfig<{ ctx: Ctx; meta: object; errorShape: TRPCDefaultErrorShape; transformer: boolean }>;
  private readonly encoder: Encoder;
  private readonly report: WsErrorReporter<Ctx>;
  private readonly isSharedValue: (value: object) => boolean;
  /** The messages made of each shared value, by what else they say (subscription id, event id). */
  private readonly frames = new WeakMap<object, Map<string, Frame>>();

  constructor(opts: WireOptions<Ctx>) {
    this.config = opts.router._def._config as TrpcWire<Ctx>['config'];
    this.encoder = opts.encoder;
    this.report = opts.onError;
    this.isSharedValue = opts.isSharedValue ?? (() => false);
  }

  result(socket: WebSocket, id: RequestId, jsonrpc: JsonRpc, result: Result): void {
    this.send(socket, { id, jsonrpc, result });
  }

  /** A subscription's value: a tracked one carries its id beside the data and in it, as tRPC's adapter sends it. */
  data(socket: WebSocket, id: RequestId, jsonrpc: JsonRpc, value: unknown): void {
    const [eventId, data] = isTrackedEnvelope(value) ? value : [undefined, value];
    const result: Result = eventId === undefined ? { type: 'data', data } : { type: 'data', data: { id: eventId, data }, id: eventId };
    if (typeof data !== 'object' || data === null || !this.isSharedValue(data)) {
      this.result(socket, id, jsonrpc, result);
      return;
    }
    if (socket.readyState !== WebSocket.OPEN) return;
    const frame = this.sharedFrame(data, JSON.stringify([id, jsonrpc ?? null, eventId ?? null]), { id, jsonrpc, result });
    socket.send(frame.bytes, { binary: frame.binary });
  }

  /** Answers `call` with `cause` as a tRPC error; `reported` errors are also handed to the reporter. */
  error(socket: WebSocket, call: Call, cause: unknown, ctx: Ctx | undefined, reported = true): void {
    const error = getTRPCErrorFromUnknown(cause);
    if (reported) this.report(error, call.path, ctx);
    const shape = getErrorShape({ config: this.config, error, type: call.type, path: call.path, input: call.input, ctx });
    this.send(socket, { id: call.id, jsonrpc: call.jsonrpc, error: shape });
  }

  /** Hands the reporter an error that is answered elsewhere (or by closing the socket). */
  reportOnly(cause: unknown, path: string | undefined, ctx: Ctx | undefined): void {
    this.report(getTRPCErrorFromUnknown(cause), path, ctx);
  }

  /** tRPC's request that the client reconnect, encoded once for all sockets. */
  reconnectNotification(): ReturnType<Encoder['encode']> {
    return this.encoder.encode({ id: null, method: 'reconnect' });
  }

  private send(socket: WebSocket, message: TRPCResponseMessage): void {
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(this.encode(message));
  }

  private encode(message: TRPCResponseMessage): ReturnType<Encoder['encode']> {
    return this.encoder.encode(this.serialized(message));
  }

  /**
   * Through the router's transformer as tRPC's `transformTRPCResponse` puts it, in object literals of
   * our own: that helper copies each message and its result with a down-compiled spread that cost
   * ~1.9% of a WebSocket validation's CPU.
   */
  private serialized(message: TRPCResponseMessage): object {
    const transformer = this.config.transformer.output;
    if ('error' in message) return { ...message, error: transformer.serialize(message.error) as unknown };
    if (!('data' in message.result)) return message;
    return { ...message, result: { ...message.result, data: transformer.serialize(message.result.data) as unknown } };
  }

  /** The message about `value` that `key` tells apart, encoded the first time it is asked for. */
  private sharedFrame(value: object, key: string, message: TRPCResponseMessage): Frame {
    let byKey = this.frames.get(value);
    if (!byKey) this.frames.set(value, (byKey = new Map<string, Frame>()));
    let frame = byKey.get(key);
    if (!frame) {
      const encoded = this.encode(message);
      // Bytes, not text: ws would otherwise copy a string into a buffer of its own for every socket.
      frame = typeof encoded === 'string' ? { bytes: Buffer.from(encoded), binary: false } : { bytes: Buffer.from(encoded), binary: true };
      if (byKey.size < MAX_FRAMES_PER_VALUE) byKey.set(key, frame);
    }
    return frame;
  }
}
