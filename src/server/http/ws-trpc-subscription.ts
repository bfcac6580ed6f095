import { TRPCError } from '@trpc/server';
import { isObservable, observableToAsyncIterable } from '@trpc/server/observable';
import type { WebSocket } from 'ws';
import { isAsyncIterable } from '../api/subscription-budget.js';
import type { Call, JsonRpc, RequestId, TrpcWire } from './ws-trpc-wire.js';

/** The socket a subscription answers on, and the one that keeps it by its id. */
export interface SubscriptionOwner<Ctx extends object> {
  readonly socket: WebSocket;
  readonly wire: TrpcWire<Ctx>;
  readonly ctx: Ctx | undefined;
  /** The subscription has ended: its id is free again. */
  forget(subscription: WsSubscription<Ctx>): void;
}

const STARTED = { type: 'started' } as const;
const STOPPED = { type: 'stopped' } as const;

/**
 * One live subscription of a socket, from the moment its call arrives (its procedure still
 * running) to its end. It follows the procedure's iterator one `next()` at a time, with two
 * callbacks made once: an idle subscription holds this object and the iterator's one pending
 * promise, and an event reaches the socket in one hop. The messages, and their order, are those
 * of tRPC's adapter: "started" once the procedure returned (after the first `next()`, so that a
 * budget counted there is taken before the next message is read), then data, then "stopped",
 * after an error too; the iterator is always returned, whatever ended it.
 */
export class WsSubscription<Ctx extends object> implements Call {
  private iterator: AsyncIterator<unknown> | undefined;
  private ended = false;
  /** The iterator's callbacks, made once for the subscription's life. */
  private readonly onStep: (step: IteratorResult<unknown>) => void;
  private readonly onError: (cause: unknown) => void;

  /**
   * @param controller the procedure's signal, aborted when the client stops the subscription or
   *   its socket closes; none for a procedure whose iterator stops when it is returned.
   */
  constructor(
    private readonly owner: SubscriptionOwner<Ctx>,
    readonly id: RequestId,
    readonly jsonrpc: JsonRpc,
    readonly path: string,
    readonly input: unknown,
    private controller: AbortController | undefined,
  ) {
    // Assigned here, not as class fields: a field's arrow function is named when the object is
    // made, which (under esbuild's keepNames, as tsx runs the code) gives each one a dictionary
    // of properties, some 250 bytes per callback.
    this.onStep = (step) => { this.delivered(step); };
    this.onError = (cause) => { this.failed(cause); };
  }

  readonly type = 'subscription';

  get signal(): AbortSignal | undefined {
    return this.controller?.signal;
  }

  /** The procedure returned `result`: follow it (or, if the subscription was stopped meanwhile, let it go). */
  started(result: unknown): void {
    if (!isAsyncIterable(result) && !isObservable(result)) {
      this.refused(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: `Subscription ${this.path} did not return an observable or a AsyncGenerator` }));
      return;
    }
    const iterable = isObservable(result) ? observableToAsyncIterable(result, (this.controller ??= new AbortController()).signal) : result;
    const iterator = iterable[Symbol.asyncIterator]();
    if (this.ended) {
      // Stopped (or its socket closed) while the procedure ran: nothing was started, nothing is sent.
      returned(iterator).catch((cause: unknown) => { this.reportOnly(cause); });
      return;
    }
    this.iterator = iterator;
    this.pull(iterator);
    this.answer(STARTED);
  }

  /** The procedure threw: the call is answered with its error, unless it was stopped meanwhile. */
  refused(cause: unknown): void {
    if (this.ended) {
      this.reportOnly(cause);
      return;
    }
    this.ended = true;
    this.owner.forget(this);
    this.owner.wire.error(this.owner.socket, this, cause, this.owner.ctx);
  }

  /**
   * The client's `subscription.stop`, or its socket closed. Answered "stopped" once the iterator
   * has returned; one stopped before its procedure returned gets "stopped" at once, and is never
   * started (tRPC's adapter would start it unseen, and keep it until the socket closes).
   */
  stop(): void {
    if (this.ended) return;
    this.ended = true;
    this.owner.forget(this);
    this.controller?.abort();
    const { iterator } = this;
    if (!iterator) {
      this.answer(STOPPED);
      return;
    }
    returned(iterator).then(() => { this.answer(STOPPED); }, (cause: unknown) => { this.disposalFailed(cause); });
  }

  private pull(iterator: AsyncIterator<unknown>): void {
    iterator.next().then(this.onStep, this.onError);
  }

  private delivered(step: IteratorResult<unknown>): void {
    const { iterator } = this;
    if (this.ended || !iterator) return;
    if (step.done) {
      this.finish(iterator);
      return;
    }
    try {
      this.owner.wire.data(this.owner.socket, this.id, this.jsonrpc, step.value);
    } catch (cause) {
      // The value could not be encoded: the subscription ends with that error, as in tRPC's adapter.
      this.failed(cause);
      return;
    }
    this.pull(iterator);
  }

  private failed(cause: unknown): void {
    const { iterator } = this;
    if (this.ended || !iterator) return;
    this.owner.wire.error(this.owner.socket, this, cause, this.owner.ctx);
    this.finish(iterator);
  }

  /** The iterator ended on its own (done, or an error already answered). */
  private finish(iterator: AsyncIterator<unknown>): void {
    this.ended = true;
    this.owner.forget(this);
    this.answer(STOPPED);
    returned(iterator).catch((cause: unknown) => { this.disposalFailed(cause); });
  }

  /** Returning the iterator failed: answered as an error, as tRPC's adapter answers a failed disposal. */
  private disposalFailed(cause: unknown): void {
    this.owner.wire.error(this.owner.socket, this, cause, this.owner.ctx);
  }

  private reportOnly(cause: unknown): void {
    this.owner.wire.reportOnly(cause, this.path, this.owner.ctx);
  }

  private answer(result: Parameters<TrpcWire<Ctx>['result']>[3]): void {
    this.owner.wire.result(this.owner.socket, this.id, this.jsonrpc, result);
  }
}

/** `iterator.return()`, settled: a synchronous throw becomes a rejection. */
function returned(iterator: AsyncIterator<unknown>): Promise<unknown> {
  try {
    return Promise.resolve(iterator.return?.());
  } catch (cause) {
    return Promise.reject(cause instanceof Error ? cause : new Error(String(cause)));
  }
}
