/** Raised into a subscriber that fell too far behind; its client resumes from its last event id. */
export class SubscriberOverflowError extends Error {
  override name = 'SubscriberOverflowError';
  constructor(limit: number) {
    super(`This tab fell more than ${limit} events behind; reconnect to catch up from the last event it saw.`);
  }
}

/**
 * A bounded queue between a publisher that must never wait and one consumer that may be slow.
 * Past the bound the consumer is failed (and resumes from its last id) instead of the publisher
 * being held up or memory growing without end.
 */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  private closed = false;
  private held = false;

  constructor(private readonly limit: number) {}

  push(item: T): void {
    if (this.closed) return;
    if (this.waiting && !this.held) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve({ value: item, done: false });
      return;
    }
    if (this.items.length >= this.limit) {
      this.fail(new SubscriberOverflowError(this.limit));
      return;
    }
    this.items.push(item);
  }

  /** The item the consumer would get next, left in place. */
  peek(): T | undefined {
    return this.items[0];
  }

  /**
   * Gives the consumer nothing until `release`; items pushed meanwhile are kept (within the bound).
   * A consumer already waiting keeps waiting: it must not take an item ahead of those `release` adds.
   */
  hold(): void {
    this.held = true;
  }

  /** Ends a hold: `ahead` comes before everything queued, and a waiting consumer gets the first item. */
  release(ahead: readonly T[]): void {
    this.held = false;
    if (this.closed) return;
    this.items.unshift(...ahead);
    if (!this.waiting) return;
    const item = this.items.shift();
    if (item === undefined) return;
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve({ value: item, done: false });
  }

  /** Ends the consumer with `error`, also one already waiting (it must learn why, not see a plain end). */
  fail(error: Error): void {
    if (this.closed) return;
    this.failure = error;
    this.items.length = 0;
    const waiting = this.waiting;
    this.waiting = undefined;
    this.closed = true;
    waiting?.reject(error);
  }

  close(): void {
    this.closed = true;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  /** Not an async function: a waiting consumer holds one promise, and an item reaches it in one hop. */
  next(): Promise<IteratorResult<T>> {
    const item = this.held ? undefined : this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => { this.waiting = { resolve, reject }; });
  }
}
