import type { RequestId } from './ws-trpc-wire.js';

interface Keyed {
  readonly id: RequestId;
}

/**
 * A socket's live subscriptions by id. Most sockets hold one, kept in a field; a Map (some 190
 * bytes even when nearly empty) is made only for a second, and dropped when one is left.
 */
export class SubscriptionsById<T extends Keyed> {
  private one: T | undefined;
  private many: Map<RequestId, T> | undefined;

  get(id: RequestId): T | undefined {
    return this.many ? this.many.get(id) : this.one?.id === id ? this.one : undefined;
  }

  /** Adds `item`, whose id none of the others has. */
  add(item: T): void {
    if (this.many) this.many.set(item.id, item);
    else if (this.one) this.many = new Map([[this.one.id, this.one], [item.id, item]]);
    else this.one = item;
    if (this.many) this.one = undefined;
  }

  /** Removes `item`, if it is the one kept under its id. */
  remove(item: T): void {
    if (!this.many) {
      if (this.one === item) this.one = undefined;
      return;
    }
    if (this.many.get(item.id) !== item) return;
    this.many.delete(item.id);
    if (this.many.size > 1) return;
    this.one = this.many.values().next().value;
    this.many = undefined;
  }

  /** Everything kept, as a list of its own: removing while going through it is safe. */
  all(): T[] {
    if (this.many) return [...this.many.values()];
    return this.one ? [this.one] : [];
  }
}
