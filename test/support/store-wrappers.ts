import type { Readable } from 'node:stream';
import type {
  ByteRange,
  DeleteResult,
  IncompleteUploadsResult,
  ListOptions,
  ListPage,
  ObjectBody,
  ObjectStore,
  PutOptions,
  StoredObject,
} from '../../src/server/storage/object-store.js';

type Operation = 'put' | 'get' | 'head' | 'copy' | 'move' | 'deleteMany' | 'list' | 'abortIncompleteUploads' | 'ping';

/** A real store with a hook before every operation: the hook may wait, throw, or change the world. */
export class HookedStore implements ObjectStore {
  constructor(
    private readonly inner: ObjectStore,
    private readonly before: (operation: Operation, args: readonly unknown[]) => Promise<void> | void,
  ) {}

  get kind() {
    return this.inner.kind;
  }

  async put(key: string, body: Readable, options?: PutOptions): Promise<{ size: number }> {
    await this.before('put', [key]);
    return this.inner.put(key, body, options);
  }
  async get(key: string, range?: ByteRange): Promise<ObjectBody> {
    await this.before('get', [key]);
    return this.inner.get(key, range);
  }
  async head(key: string): Promise<StoredObject | null> {
    await this.before('head', [key]);
    return this.inner.head(key);
  }
  async copy(from: string, to: string, options?: { contentType?: string }): Promise<void> {
    await this.before('copy', [from, to]);
    return this.inner.copy(from, to, options);
  }
  async move(from: string, to: string, options?: { contentType?: string }): Promise<void> {
    await this.before('move', [from, to]);
    return this.inner.move(from, to, options);
  }
  async deleteMany(keys: readonly string[]): Promise<DeleteResult> {
    await this.before('deleteMany', [keys]);
    return this.inner.deleteMany(keys);
  }
  async list(prefix: string, options?: ListOptions): Promise<ListPage> {
    await this.before('list', [prefix]);
    return this.inner.list(prefix, options);
  }
  async abortIncompleteUploads(olderThan: Date): Promise<IncompleteUploadsResult> {
    await this.before('abortIncompleteUploads', [olderThan]);
    return this.inner.abortIncompleteUploads(olderThan);
  }
  async ping(): Promise<void> {
    await this.before('ping', []);
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Fault injection: the first `failures` operations throw, as a store with a transient outage does. */
export function failingFirst(inner: ObjectStore, failures: number): HookedStore & { failed: () => number } {
  let failed = 0;
  const store = new HookedStore(inner, (operation) => {
    if (failed < failures) {
      failed += 1;
      throw new Error(`injected transient failure of ${operation} (${failed} of ${failures})`);
    }
  });
  return Object.assign(store, { failed: () => failed });
}

/** Every move waits `ms` first: jobs stay in flight long enough to be interrupted. */
export function slowMoves(inner: ObjectStore, ms: number): HookedStore {
  return new HookedStore(inner, async (operation) => {
    if (operation === 'move') await new Promise((resolve) => setTimeout(resolve, ms));
  });
}
