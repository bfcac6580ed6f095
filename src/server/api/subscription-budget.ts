import { TRPCError } from '@trpc/server';
import type { SubscriptionBudget } from './context.js';

const DONE = Object.freeze({ done: true, value: undefined });

/**
 * A subscription that counts against its socket's budget while it lives. The slot is taken when
 * the first event is asked for, not when the procedure returns: an iterable that is never iterated
 * (its socket closed, or it was stopped, while the procedure ran) is dropped without a word, and a
 * slot taken then would be lost.
 *
 * The slot is given back in `return()`, which the WebSocket handler calls whatever ends the
 * subscription (a stop, the socket closing, the source completing or failing), and at once on a
 * stop, so a client that stops one and opens another in the same breath is not refused. Nothing
 * wraps each event, so the live path keeps the source's promises as they are.
 */
export class BudgetedSubscription<T> implements AsyncIterableIterator<T, undefined> {
  private begun = false;
  private holding = false;
  private source: AsyncIterator<T> | undefined;

  constructor(
    private readonly iterable: AsyncIterable<T>,
    private readonly budget: SubscriptionBudget,
    private readonly signal: AbortSignal | undefined,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (!this.begun) return this.begin();
    if (!this.source) return Promise.resolve(DONE);
    return this.source.next() as Promise<IteratorResult<T, undefined>>;
  }

  private begin(): Promise<IteratorResult<T, undefined>> {
    this.begun = true;
    if (this.signal?.aborted) return Promise.resolve(DONE);
    const { budget } = this;
    if (budget.active >= budget.max) {
      return Promise.reject(new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `This connection already has ${budget.max} live subscriptions, the most it may hold. Close one first.` }));
    }
    budget.active += 1;
    this.holding = true;
    this.source = this.iterable[Symbol.asyncIterator]();
    return this.next();
  }

  private release(): void {
    if (!this.holding) return;
    this.holding = false;
    this.budget.active -= 1;
  }

  /** Idempotent: a stop may come while the source is ending on its own. */
  async return(): Promise<IteratorResult<T, undefined>> {
    this.begun = true;
    this.release();
    const source = this.source;
    this.source = undefined;
    await source?.return?.();
    return DONE;
  }
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
