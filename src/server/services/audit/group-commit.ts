export interface GroupCommitOptions<T> {
  /** Writes one batch durably (one transaction); its items resolve or reject together. */
  write: (items: T[]) => Promise<void>;
  /** The most items one write takes. */
  maxBatch: number;
  /**
   * How long the first item of a batch waits for company before the write starts, in ms. 0 waits
   * only for the current turn of the event loop: under load, batches still grow while the previous
   * write is in flight, so a wait mostly adds latency when the system is idle.
   */
  windowMs: number;
  /**
   * The longest a `queue`d item (one nobody awaits) waits before its write starts, in ms: such items
   * may wait for company, which turns a stream of them into few commits.
   */
  queuedWindowMs?: number;
  /** Told the size of every batch written (for metrics and the tests that check batching). */
  onBatch?: (size: number) => void;
  /** Told of a failed write holding `queue`d items: nobody awaits them, so this is the only report. */
  onQueuedFailure?: (error: unknown, items: number) => void;
}

interface Waiter<T> {
  item: T;
  /** Null for a `queue`d item: nobody waits on it. */
  resolve: (() => void) | null;
  reject: ((error: unknown) => void) | null;
  /** When a `queue`d item arrived (Date.now()): its write starts within `queuedWindowMs` of it. */
  queuedAt: number;
}

/**
 * A group commit: items added while a write is in flight (or within the window) go out together in
 * the next one, and each `add` resolves only once the write holding its item has committed. A
 * `queue`d item joins the same line without anyone waiting on it; it goes out with the next write,
 * and within `queuedWindowMs` when nothing else comes along. One write is in flight at a time, so
 * items are written in the order they were added or queued.
 */
export class GroupCommit<T> {
  private pending: Waiter<T>[] = [];
  private inFlight: Promise<void> | null = null;
  /** Cancels the scheduled write of the pending items; null when none is scheduled. */
  private scheduled: (() => void) | null = null;
  /** Whether the scheduled write is the slow one of queued items only (an awaited item brings it forward). */
  private scheduledLazily = false;

  constructor(private readonly opts: GroupCommitOptions<T>) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject, queuedAt: 0 });
      this.arrived(false);
    });
  }

  /** Adds `item` to the next write without waiting for it; `drain` still waits for it. */
  queue(item: T): void {
    this.pending.push({ item, resolve: null, reject: null, queuedAt: Date.now() });
    this.arrived(true);
  }

  /** Resolves once everything added so far is written (or has failed). */
  async drain(): Promise<void> {
    while (this.inFlight ?? this.scheduled) {
      if (!this.inFlight) this.flushNow();
      await this.inFlight;
    }
  }

  private arrived(queued: boolean): void {
    if (this.inFlight) return;
    if (this.pending.length >= this.opts.maxBatch) {
      this.flushNow();
      return;
    }
    if (this.scheduled && this.scheduledLazily && !queued) {
      this.scheduled();
      this.scheduled = null;
    }
    if (this.scheduled) return;
    this.scheduledLazily = queued;
    this.scheduled = this.schedule(queued ? (this.opts.queuedWindowMs ?? this.opts.windowMs) : this.opts.windowMs);
  }

  private flushNow(): void {
    this.scheduled?.();
    this.scheduled = null;
    if (this.inFlight || this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.opts.maxBatch);
    this.inFlight = this.writeBatch(batch).finally(() => {
      this.inFlight = null;
      this.afterWrite();
    });
  }

  /**
   * What arrived during a write: an item someone awaits has waited a whole write already and goes
   * at once; queued items only keep waiting for company until the oldest has waited its window, so
   * that a steady stream of them (validations under load) makes a few large commits, not one per write.
   */
  private afterWrite(): void {
    const oldest = this.pending[0];
    if (!oldest) return;
    const full = this.pending.length >= this.opts.maxBatch;
    const left = oldest.queuedAt + (this.opts.queuedWindowMs ?? this.opts.windowMs) - Date.now();
    const awaited = this.pending.some((waiter) => waiter.resolve !== null);
    if (awaited || full || left <= 0) {
      this.flushNow();
      return;
    }
    this.scheduledLazily = true;
    this.scheduled = this.schedule(left);
  }

  private schedule(windowMs: number): () => void {
    if (windowMs > 0) {
      const timer = setTimeout(() => { this.flushNow(); }, windowMs);
      return () => { clearTimeout(timer); };
    }
    const immediate = setImmediate(() => { this.flushNow(); });
    return () => { clearImmediate(immediate); };
  }

  private async writeBatch(batch: Waiter<T>[]): Promise<void> {
    try {
      await this.opts.write(batch.map((waiter) => waiter.item));
      this.opts.onBatch?.(batch.length);
      for (const waiter of batch) waiter.resolve?.();
    } catch (error) {
      for (const waiter of batch) waiter.reject?.(error);
      const queued = batch.filter((waiter) => waiter.reject === null).length;
      if (queued > 0) this.opts.onQueuedFailure?.(error, queued);
    }
  }
}
