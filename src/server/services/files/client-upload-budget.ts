import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { ClientUploadBudgetError } from './files.errors.js';

/** What a refused take says: the whole budget, what is left of it, and how long until it is whole again. */
export interface BudgetRefusal {
  budgetBytes: number;
  remainingBytes: number;
  retryAfterSeconds: number;
}

/**
 * The bytes a client (an IP address; IPv6 by /64) may upload across all its sessions in a day
 * (UPLOAD_BYTES_PER_CLIENT_PER_DAY), shared by every instance.
 */
export interface ClientUploadBudget {
  /** Takes `bytes` from the client's budget; a refusal takes nothing. */
  take(client: string, bytes: number): Promise<{ taken: true } | ({ taken: false } & BudgetRefusal)>;
  giveBack(client: string, bytes: number): Promise<void>;
}

/**
 * When an upload of unknown length outgrows what it took, it takes this much more at once, so that
 * a long upload asks the budget (Redis) every few MiB rather than for every chunk.
 */
const TAKE_AHEAD_BYTES = 4 * 1024 * 1024;

/**
 * One upload's spending of its client's budget: what it may bring is taken before a byte is read,
 * an upload of unknown length takes more as its bytes arrive, and whatever it does not keep is given
 * back, so that a refused or failed upload costs its client nothing.
 */
export class UploadSpending {
  private taken = 0;
  private received = 0;
  /** A take under way for the meter: settling waits for it, so that nothing it takes is kept by mistake. */
  private pending: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly budget: ClientUploadBudget | undefined,
    private readonly client: string,
  ) {}

  /** Takes `upFront` bytes (the declared length); throws ClientUploadBudgetError when they do not fit. */
  static async begin(budget: ClientUploadBudget | undefined, client: string | null, upFront: number): Promise<UploadSpending> {
    // No budget to spend (the workers), or no client to charge (the system itself).
    const spending = new UploadSpending(client === null ? undefined : budget, client ?? '');
    const refusal = await spending.tryTake(upFront);
    if (refusal) throw refusal;
    return spending;
  }

  /**
   * `body` counted as it flows: past what was taken, more is taken before the bytes go on, and the
   * stream fails with ClientUploadBudgetError once the budget has no more. A failure of `body`
   * fails the counted stream with the same error.
   */
  meter(body: Readable): Readable {
    if (!this.budget) return body;
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) => {
        this.received += chunk.length;
        if (this.received <= this.taken) {
          callback(null, chunk);
          return;
        }
        const taking = this.takeShortfall();
        this.pending = taking.catch(() => undefined);
        taking.then(() => { callback(null, chunk); }, callback);
      },
    });
    return pipeline(body, counter, () => undefined);
  }

  /** The upload ended with `keptBytes` stored (0 when it failed): gives back the rest of what it took. */
  async settle(keptBytes: number): Promise<void> {
    await this.pending;
    const unused = this.taken - keptBytes;
    if (!this.budget || unused <= 0) return;
    this.taken = keptBytes;
    // Redis and the in-memory insurance both failing costs the client some budget, never the upload its answer.
    await this.budget.giveBack(this.client, unused).catch(() => undefined);
  }

  /**
   * Covers the bytes received past what was taken, taking some ahead. Near the end of the budget it
   * takes all that is left, if that covers them, so that the chunks after do not each ask again.
   */
  private async takeShortfall(): Promise<void> {
    const shortfall = this.received - this.taken;
    const refused = await this.tryTake(shortfall + TAKE_AHEAD_BYTES);
    if (!refused) return;
    const refusal = refused.remainingBytes >= shortfall ? await this.tryTake(refused.remainingBytes) : refused;
    if (refusal) throw refusal;
  }

  /** Takes `bytes`, or answers why not. */
  private async tryTake(bytes: number): Promise<ClientUploadBudgetError | null> {
    if (!this.budget || bytes <= 0) return null;
    const answer = await this.budget.take(this.client, bytes);
    if (!answer.taken) return new ClientUploadBudgetError(answer.budgetBytes, answer.remainingBytes, answer.retryAfterSeconds);
    this.taken += bytes;
    return null;
  }
}
