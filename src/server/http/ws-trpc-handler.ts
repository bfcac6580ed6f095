import { WebSocket, type RawData } from 'ws';
import { TrpcConnection, type ConnectionParams } from './ws-trpc-connection.js';
import { proceduresOf } from './trpc-procedures.js';
import { TrpcWire, type WireOptions } from './ws-trpc-wire.js';

export interface TrpcWsHandlerOptions<Ctx extends object> extends WireOptions<Ctx> {
  /** Calls one message may carry; a message with more closes its socket (1009). */
  maxBatch: number;
  withConnectionParams: (ctx: Ctx, params: ConnectionParams) => Ctx;
  /**
   * Subscriptions whose iterators stop as soon as they are returned (on a stop or a close), even
   * while a `next()` waits. They are called without an AbortSignal: one costs some 700 bytes (an
   * EventTarget with two Maps) for as long as its subscription lives. Every other subscription gets
   * one, as from tRPC's adapter, aborted when it is stopped or its socket closes: an async
   * generator waiting on something else is reached only through it.
   */
  stopsOnReturn?: (path: string) => boolean;
}

/** A socket this handler serves carries its connection: one set of listeners then serves every socket. */
export interface TrpcSocket extends WebSocket {
  trpc: Pick<TrpcConnection<object>, 'receive' | 'closed' | 'failed'> | undefined;
}

export interface TrpcWsHandler<Ctx extends object> {
  /**
   * Speaks tRPC on `socket` from now on, with `ctx` as every call's context (and, when
   * `expectsConnectionParams`, the parameters the client sends first).
   */
  serve(socket: TrpcSocket, ctx: Ctx, expectsConnectionParams: boolean): void;
  /** Asks the clients of `sockets` to reconnect (to another instance): tRPC's `reconnect` notification. */
  askToReconnect(sockets: Iterable<WebSocket>): void;
}

/**
 * tRPC over WebSocket, in place of `@trpc/server/adapters/ws`: the same wire protocol (its
 * client, `wsLink`, works against it unchanged), the same procedures called through tRPC's own
 * `callTRPCProcedure`, the same error shapes and transformer; but nothing per socket beyond its
 * connection object, and per subscription one object with two callbacks, where the adapter
 * keeps closures, an AbortController and a race of promises for each.
 */
export function createTrpcWsHandler<Ctx extends object>(opts: TrpcWsHandlerOptions<Ctx>): TrpcWsHandler<Ctx> {
  const parts = {
    procedures: proceduresOf(opts.router),
    wire: new TrpcWire(opts),
    encoder: opts.encoder,
    maxBatch: opts.maxBatch,
    withConnectionParams: opts.withConnectionParams,
    stopsOnReturn: opts.stopsOnReturn ?? (() => false),
  };
  return {
    serve(socket, ctx, expectsConnectionParams) {
      // The error listener first: ws throws an 'error' nobody listens to, and that would end the process.
      socket.on('error', failed);
      socket.trpc = new TrpcConnection(socket, parts, ctx, expectsConnectionParams);
      socket.on('message', received);
      socket.on('close', closed);
    },
    askToReconnect(sockets) {
      const notification = parts.wire.reconnectNotification();
      for (const socket of sockets) if (socket.readyState === WebSocket.OPEN) socket.send(notification);
    },
  };
}

function received(this: WebSocket, data: RawData, isBinary: boolean): void {
  (this as TrpcSocket).trpc?.receive(data, isBinary);
}

function closed(this: WebSocket): void {
  (this as TrpcSocket).trpc?.closed();
}

function failed(this: WebSocket, error: Error): void {
  (this as TrpcSocket).trpc?.failed(error);
}
