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
  /** Told the size of every batch written (for metrics and the tests that check batching). */
  onBatch?: (size: number) => void;
}

interface Waiter<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * A group commit: items added while a write is in flight (or within the window) go out together in
 * the next one, and each `add` resolves only once the write holding its item has committed. One
 * write is in flight at a time, so items are written in the order they were added.
 */
export class GroupCommit<T> {
  private pending: Waiter<T>[] = [];
  private inFlight: Promise<void> | null = null;
  /** Cancels the scheduled write of the pending items; null when none is scheduled. */
  private scheduled: (() => void) | null = null;

  constructor(private readonly opts: GroupCommitOptions<T>) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.inFlight) return;
      if (this.pending.length >= this.opts.maxBatch) this.flushNow();
      else this.scheduled ??= this.schedule();
    });
  }

  /** Resolves once everything added so far is written (or has failed). */
  async drain(): Promise<void> {
    while (this.inFlight ?? this.scheduled) {
      if (!this.inFlight) this.flushNow();
      await this.inFlight;
    }
  }

  private flushNow(): void {
    this.scheduled?.();
    this.scheduled = null;
    if (this.inFlight || this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.opts.maxBatch);
    this.inFlight = this.writeBatch(batch).finally(() => {
      this.inFlight = null;
      // What arrived meanwhile goes at once: it has waited a whole write already.
      if (this.pending.length > 0) this.flushNow();
    });
  }

  private schedule(): () => void {
    if (this.opts.windowMs > 0) {
      const timer = setTimeout(() => { this.flushNow(); }, this.opts.windowMs);
      return () => { clearTimeout(timer); };
    }
    const immediate = setImmediate(() => { this.flushNow(); });
    return () => { clearImmediate(immediate); };
  }

  private async writeBatch(batch: Waiter<T>[]): Promise<void> {
    try {
      await this.opts.write(batch.map((waiter) => waiter.item));
      this.opts.onBatch?.(batch.length);
      for (const waiter of batch) waiter.resolve();
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    }
  }
}
