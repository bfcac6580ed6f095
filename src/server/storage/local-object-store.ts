import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type Dirent } from 'node:fs';
import { access, constants, copyFile, mkdir, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ByteLimit } from './byte-limit.js';
import { assertKeyPrefix, assertObjectKey } from './keys.js';
import {
  assertDeleteBatch,
  MAX_LIST_PAGE,
  ObjectNotFoundError,
  type ByteRange,
  type DeleteResult,
  type IncompleteUploadsResult,
  type ListOptions,
  type ListPage,
  type ObjectBody,
  type ObjectStore,
  type PutOptions,
  type StoredObject,
} from './object-store.js';

/** Bytes being written live here until they are whole; a dot-name no key can take. */
const INCOMPLETE_DIR = '.incomplete';
const DELETE_CONCURRENCY = 32;

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/** Orders keys segment by segment: the order of a depth-first walk over sorted directory entries. */
function compareSegments(a: readonly string[], b: readonly string[]): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(runners);
  return results;
}

/**
 * The object store on the local disk (`DATA_DIR/objects`): a key is a path below the root. Writes
 * go to a file under `.incomplete/` first and are renamed into place, so an object appears whole
 * or not at all, and a crash leaves only an incomplete file that `abortIncompleteUploads` removes.
 */
export class LocalObjectStore implements ObjectStore {
  readonly kind = 'local';
  private readonly incompleteDir: string;

  constructor(private readonly root: string) {
    this.root = path.resolve(root);
    this.incompleteDir = path.join(this.root, INCOMPLETE_DIR);
  }

  /** The file of `key`, checked to be inside the root whatever the key says. */
  private pathOf(key: string): string {
    assertObjectKey(key);
    const file = path.resolve(this.root, ...key.split('/'));
    if (!file.startsWith(this.root + path.sep)) throw new Error(`The key "${key}" resolves outside the object store.`);
    return file;
  }

  private async incompleteFile(): Promise<string> {
    await mkdir(this.incompleteDir, { recursive: true });
    return path.join(this.incompleteDir, randomUUID());
  }

  /**
   * Renames a whole file into place, making its directory first (again if a delete just pruned it:
   * a prune that removes the directory while mkdir is checking it makes mkdir itself fail with ENOENT).
   */
  private async place(from: string, to: string): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await mkdir(path.dirname(to), { recursive: true });
        await rename(from, to);
        return;
      } catch (error) {
        if (!isErrno(error, 'ENOENT') || attempt >= 3) throw error;
        await access(from); // the source is gone: that ENOENT is the answer, not a pruned directory
      }
    }
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<{ size: number }> {
    const target = this.pathOf(key);
    const temp = await this.incompleteFile();
    const counter = new ByteLimit(options.maxBytes);
    try {
      await pipeline(body, counter, createWriteStream(temp, { flags: 'wx' }));
      await this.place(temp, target);
      return { size: counter.bytes };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<ObjectBody> {
    const file = this.pathOf(key);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (error) {
      if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) throw new ObjectNotFoundError(key);
      throw error;
    }
    if (!range) return { body: createReadStream(file), size };
    const end = Math.min(range.end, size - 1);
    if (range.start > end) return { body: Readable.from([]), size: 0 };
    return { body: createReadStream(file, { start: range.start, end }), size: Math.max(0, end - range.start + 1) };
  }

  async head(key: string): Promise<StoredObject | null> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { key, size: info.size, lastModified: info.mtime } : null;
    } catch (error) {
      if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return null;
      throw error;
    }
  }

  async copy(from: string, to: string): Promise<void> {
    const source = this.pathOf(from);
    const target = this.pathOf(to);
    const temp = await this.incompleteFile();
    try {
      await copyFile(source, temp);
      await this.place(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      if (isErrno(error, 'ENOENT') && !(await this.head(from))) throw new ObjectNotFoundError(from);
      throw error;
    }
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.pathOf(from);
    const target = this.pathOf(to);
    if (source === target) return;
    try {
      await this.place(source, target);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) throw new ObjectNotFoundError(from);
      throw error;
    }
    await this.pruneDirectories(path.dirname(source));
  }

  async deleteMany(keys: readonly string[]): Promise<DeleteResult> {
    assertDeleteBatch(keys);
    const files = keys.map((key) => this.pathOf(key));
    const outcomes = await mapLimit(files, DELETE_CONCURRENCY, async (file) => {
      try {
        await unlink(file);
      } catch (error) {
        if (!isErrno(error, 'ENOENT') && !isErrno(error, 'ENOTDIR')) return error instanceof Error ? error.message : String(error);
      }
      return null;
    });
    const result: DeleteResult = { deleted: [], failed: [] };
    keys.forEach((key, index) => {
      const message = outcomes[index];
      if (message) result.failed.push({ key, message });
      else result.deleted.push(key);
    });
    // Two prunes may meet at a shared parent: one removes it, the other stops there. Either way it goes once empty.
    await mapLimit([...new Set(files.map((file) => path.dirname(file)))], DELETE_CONCURRENCY, (directory) => this.pruneDirectories(directory));
    return result;
  }

  /** Removes `directory` and its parents while they are empty, up to (not including) the root. */
  private async pruneDirectories(directory: string): Promise<void> {
    let current = directory;
    while (current.startsWith(this.root + path.sep)) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty (or already gone, or in use again): stop here
      }
      current = path.dirname(current);
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    assertKeyPrefix(prefix);
    const limit = Math.min(options.limit ?? MAX_LIST_PAGE, MAX_LIST_PAGE);
    const directory = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const after = options.cursor ? options.cursor.split('/') : null;
    const objects: StoredObject[] = [];
    let more = false;
    for await (const object of this.walk(directory === '' ? [] : directory.slice(0, -1).split('/'), after)) {
      if (!object.key.startsWith(prefix)) continue;
      if (objects.length === limit) {
        more = true;
        break;
      }
      objects.push(object);
    }
    const last = objects.at(-1);
    return { objects, nextCursor: more && last ? last.key : null };
  }

  /** Files below `segments` in key order, starting after the key `after` (whole subtrees before it are skipped unread). */
  private async *walk(segments: string[], after: string[] | null): AsyncGenerator<StoredObject> {
    let entries: Dirent[];
    try {
      entries = await readdir(path.join(this.root, ...segments), { withFileTypes: true });
    } catch (error) {
      if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return;
      throw error;
    }
    const names = entries.filter((entry) => !entry.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of names) {
      const child = [...segments, entry.name];
      const order = after ? compareSegments(child, after.slice(0, child.length)) : 1;
      if (order < 0) continue;
      if (entry.isDirectory()) {
        yield* this.walk(child, order === 0 ? after : null);
      } else if (entry.isFile() && !(order === 0 && child.length === after?.length)) {
        try {
          const info = await stat(path.join(this.root, ...child));
          yield { key: child.join('/'), size: info.size, lastModified: info.mtime };
        } catch (error) {
          if (!isErrno(error, 'ENOENT')) throw error; // deleted while listing
        }
      }
    }
  }

  async abortIncompleteUploads(olderThan: Date): Promise<IncompleteUploadsResult> {
    let names: string[];
    try {
      names = await readdir(this.incompleteDir);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return { supported: true, aborted: 0 };
      throw error;
    }
    let aborted = 0;
    for (const name of names) {
      const file = path.join(this.incompleteDir, name);
      try {
        if ((await stat(file)).mtime < olderThan) {
          await rm(file, { force: true });
          aborted += 1;
        }
      } catch (error) {
        if (!isErrno(error, 'ENOENT')) throw error;
      }
    }
    return { supported: true, aborted };
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root, constants.R_OK | constants.W_OK);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
