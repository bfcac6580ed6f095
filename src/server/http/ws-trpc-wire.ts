import { getErrorShape, getTRPCErrorFromUnknown, transformTRPCResponse, type AnyTRPCRouter, type TRPCDefaultErrorShape, type TRPCError, type TRPCProcedureType, type TRPCRootConfig } from '@trpc/server';
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

/**
 * How answers leave, the same for every socket of a handler: through the router's transformer
 * and the encoder, shaped by the router's error formatter, byte for byte as tRPC's WebSocket
 * adapter writes them. A socket that is no longer open is written nothing.
 */
export class TrpcWire<Ctx extends object> {
  /** The router's error formatter and transformer. */
  readonly config: TRPCRootConfig<{ ctx: Ctx; meta: object; errorShape: TRPCDefaultErrorShape; transformer: boolean }>;

  constructor(
    router: AnyTRPCRouter,
    private readonly encoder: Encoder,
    private readonly report: WsErrorReporter<Ctx>,
  ) {
    this.config = router._def._config as TrpcWire<Ctx>['config'];
  }

  result(socket: WebSocket, id: RequestId, jsonrpc: JsonRpc, result: Result): void {
    this.send(socket, { id, jsonrpc, result });
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
    socket.send(this.encoder.encode(transformTRPCResponse(this.config, message)));
  }
}
