/** Raised into a subscriber that fell too far behind; its client resumes from its last event id. */
export class SubscriberOverflowError extends Error {
  override name = 'SubscriberOverflowError';
  constructor(limit: number) {
    super(`This tab fell more than ${limit} events behind; reconnect to catch up from the last event it saw.`);
  }
}

/** Raised into every local subscriber when the instance's Redis subscriber connection drops. */
export class LiveDeliveryInterruptedError extends Error {
  override name = 'LiveDeliveryInterruptedError';
  constructor() {
    super('Live updates were interrupted for a moment; reconnect to catch up from the last event this tab saw.');
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

  constructor(private readonly limit: number) {}

  push(item: T): void {
    if (this.closed) return;
    if (this.waiting) {
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
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => { this.waiting = { resolve, reject }; });
  }
}
