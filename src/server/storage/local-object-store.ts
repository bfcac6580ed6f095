import { randomUUID } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import { access, constants, copyFile, mkdir, open, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ByteLimit } from './byte-limit.js';
import { assertKeyPrefix, assertObjectKey } from './keys.js';
import { mapLimit } from '../async/map-limit.js';
import { settle, unwrap, type Settled } from '../async/settled.js';
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
import { byParentInTurn, compareSegments } from './path-order.js';

/** Bytes being written live here until they are whole; a dot-name no key can take. */
const INCOMPLETE_DIR = '.incomplete';
const DELETE_CONCURRENCY = 32;
/** Directories read, and files statted, ahead of the walk of a listing. */
const LIST_LOOKAHEAD = 64;

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

interface Listing {
  entries: Dirent[];
  /** Whether the first entry is the directory on the path to the cursor (its own walk starts after it). */
  firstOnPath: boolean;
  /** Started with the read: the listing of the first subdirectory and the stats of the first files, by entry index. */
  reads: Map<number, Promise<Settled<Listing | null>>>;
  stats: Map<number, Promise<Settled<StoredObject | null>>>;
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
    // Opened before the pipeline runs: a write stream that opens its own file can create it after a
    // body that failed as the put began has been cleaned up below, and the temp file stays for good.
    const file = await open(temp, 'wx');
    try {
      await pipeline(body, counter, file.createWriteStream());
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
    await this.pruneAll(files.map((file) => path.dirname(file)));
    return result;
  }

  /**
   * What `pruneDirectories` does for each of `directories`, level by level from the deepest: a
   * directory's parent is tried once, after all its children in the batch were, and only when one
   * of them went (a parent of a directory that stays is not empty).
   */
  private async pruneAll(directories: readonly string[]): Promise<void> {
    const byDepth = new Map<number, Set<string>>();
    const add = (directory: string) => {
      if (!directory.startsWith(this.root + path.sep)) return;
      const depth = directory.split(path.sep).length;
      const level = byDepth.get(depth) ?? new Set<string>();
      level.add(directory);
      byDepth.set(depth, level);
    };
    for (const directory of directories) add(directory);
    while (byDepth.size > 0) {
      const deepest = Math.max(...byDepth.keys());
      const level = byParentInTurn([...(byDepth.get(deepest) ?? [])]);
      byDepth.delete(deepest);
      const removed = await mapLimit(level, DELETE_CONCURRENCY, async (directory) => {
        try {
          await rmdir(directory);
          return true;
        } catch {
          return false; // not empty (or already gone, or in use again): stop here
        }
      });
      level.forEach((directory, index) => { if (removed[index]) add(path.dirname(directory)); });
    }
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

  /**
   * Files below `segments` in key order, starting after the key `after` (whole subtrees before it
   * are skipped unread). `listing` is this directory's read when it was started ahead of time.
   * The next LIST_LOOKAHEAD subdirectories are read, and the next LIST_LOOKAHEAD files statted,
   * while the current one is walked: the walk's order stays that of a depth-first walk over sorted
   * entries, only the waiting overlaps.
   */
  private async *walk(segments: string[], after: string[] | null, listing?: Promise<Settled<Listing | null>>): AsyncGenerator<StoredObject> {
    const read = unwrap(await (listing ?? settle(this.readListing(segments, after))));
    if (!read) return;
    const { entries, reads: ahead, stats } = read;
    const childAfter = (index: number): string[] | null => (index === 0 && read.firstOnPath ? after : null);
    let readUpTo = 0;
    let statUpTo = 0;
    for (const [i, entry] of entries.entries()) {
      const child = [...segments, entry.name];
      if (entry.isDirectory()) {
        for (; readUpTo < Math.min(entries.length, i + LIST_LOOKAHEAD); readUpTo += 1) {
          const next = entries[readUpTo];
          if (next && readUpTo >= i && next.isDirectory() && !ahead.has(readUpTo)) ahead.set(readUpTo, settle(this.readListing([...segments, next.name], childAfter(readUpTo))));
        }
        readUpTo = Math.max(readUpTo, i + 1);
        const pending = ahead.get(i);
        ahead.delete(i);
        yield* this.walk(child, childAfter(i), pending);
      } else if (entry.isFile()) {
        for (; statUpTo < Math.min(entries.length, i + LIST_LOOKAHEAD); statUpTo += 1) {
          const next = entries[statUpTo];
          if (next && statUpTo >= i && next.isFile() && !stats.has(statUpTo)) stats.set(statUpTo, settle(this.statObject([...segments, next.name])));
        }
        statUpTo = Math.max(statUpTo, i + 1);
        const pending = stats.get(i) ?? settle(this.statObject(child));
        stats.delete(i);
        const object = unwrap(await pending);
        if (object) yield object;
      }
    }
  }

  /** The entries of one directory to walk, sorted, without dot-names and without what lies before `after`. */
  private async readListing(segments: string[], after: string[] | null): Promise<Listing | null> {
    let entries: Dirent[];
    try {
      entries = await readdir(path.join(this.root, ...segments), { withFileTypes: true });
    } catch (error) {
      if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return null;
      throw error;
    }
    const sorted = entries.filter((entry) => !entry.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (!after) return this.startReads(segments, sorted, false, null);
    const kept: Dirent[] = [];
    let firstOnPath = false;
    for (const entry of sorted) {
      const child = [...segments, entry.name];
      const order = compareSegments(child, after.slice(0, child.length));
      if (order < 0) continue;
      if (order === 0) {
        if (entry.isFile() && child.length === after.length) continue; // the cursor's own key
        if (entry.isDirectory()) firstOnPath = true; // sorted: it can only come first
      }
      kept.push(entry);
    }
    return this.startReads(segments, kept, firstOnPath, after);
  }

  /**
   * The listing of `entries`, with the read of its first subdirectory (and so on down) and the
   * stats of its first files started: a walk that reaches them finds them under way. Only the
   * first subdirectory, so that what is started ahead grows with the depth, not the breadth.
   */
  private startReads(segments: string[], entries: Dirent[], firstOnPath: boolean, after: string[] | null): Listing {
    const reads = new Map<number, Promise<Settled<Listing | null>>>();
    const stats = new Map<number, Promise<Settled<StoredObject | null>>>();
    const firstDir = entries.findIndex((entry) => entry.isDirectory());
    const first = entries[firstDir];
    if (first) reads.set(firstDir, settle(this.readListing([...segments, first.name], firstDir === 0 && firstOnPath ? after : null)));
    for (const [i, entry] of entries.entries()) {
      if (stats.size >= LIST_LOOKAHEAD) break;
      if (entry.isFile()) stats.set(i, settle(this.statObject([...segments, entry.name])));
    }
    return { entries, firstOnPath, reads, stats };
  }

  /** The object at `segments`, or null if it was deleted while listing. */
  private async statObject(segments: string[]): Promise<StoredObject | null> {
    try {
      const info = await stat(path.join(this.root, ...segments));
      return { key: segments.join('/'), size: info.size, lastModified: info.mtime };
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return null;
      throw error;
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
