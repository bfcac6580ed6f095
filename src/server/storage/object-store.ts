import type { Readable } from 'node:stream';

/** One object as a listing or a head request describes it. */
export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
  /** What the object was stored with; the local store keeps none (the database row is the record). */
  contentType?: string;
}

export interface PutOptions {
  contentType?: string;
  /** The put fails with ObjectTooLargeError once the body grows past this, and nothing is kept. */
  maxBytes?: number;
  /** The body's exact length, when known beforehand (a declared Content-Length): S3 then sends it in one request. */
  size?: number;
}

/** Bytes `start` to `end`, both inclusive, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface ObjectBody {
  body: Readable;
  /** Bytes in `body`: the range's length when a range was asked for. */
  size: number;
  contentType?: string;
}

export interface ListOptions {
  /** The `nextCursor` of the page before; null or absent for the first page. */
  cursor?: string | null;
  /** Keys per page, at most 1000 (the S3 maximum). */
  limit?: number;
}

export interface ListPage {
  objects: StoredObject[];
  nextCursor: string | null;
}

export interface DeleteResult {
  /** Keys that are gone now, including those that were already gone. */
  deleted: string[];
  failed: { key: string; message: string }[];
}

export type IncompleteUploadsResult = { supported: true; aborted: number } | { supported: false };

/**
 * Where file bytes live: the local disk by default, any S3 at scale. Both adapters take the same
 * keys and answer the same operations, so nothing above this interface knows which one it has.
 * Every key is checked by `assertObjectKey` before use.
 */
export interface ObjectStore {
  readonly kind: 'local' | 's3';
  /** Streams `body` into `key` with bounded memory whatever its size; the object appears whole or not at all. */
  put(key: string, body: Readable, options?: PutOptions): Promise<{ size: number }>;
  /** Throws ObjectNotFoundError when there is no such object. */
  get(key: string, range?: ByteRange): Promise<ObjectBody>;
  head(key: string): Promise<StoredObject | null>;
  /** Copies `from` to `to`; `contentType` replaces the stored one where the store keeps one. */
  copy(from: string, to: string, options?: { contentType?: string }): Promise<void>;
  /** Renames where the store can, copies then deletes where it cannot. */
  move(from: string, to: string, options?: { contentType?: string }): Promise<void>;
  /** Deletes up to MAX_DELETE_BATCH keys in one call. A missing key counts as deleted. */
  deleteMany(keys: readonly string[]): Promise<DeleteResult>;
  /** One page of the keys under `prefix`, in a stable order. */
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  /** Aborts multipart uploads begun before `olderThan`, where the store supports it. */
  abortIncompleteUploads(olderThan: Date): Promise<IncompleteUploadsResult>;
  /** Resolves when the store answers; for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The most keys one delete call takes (the S3 DeleteObjects limit). */
export const MAX_DELETE_BATCH = 1000;
/** The most keys one listing page holds (the S3 ListObjectsV2 limit). */
export const MAX_LIST_PAGE = 1000;

/** Every object under `prefix`, page by page. */
export async function* listAll(store: ObjectStore, prefix: string, pageSize = MAX_LIST_PAGE): AsyncGenerator<StoredObject[]> {
  let cursor: string | null = null;
  do {
    const page: ListPage = await store.list(prefix, { cursor, limit: pageSize });
    if (page.objects.length > 0) yield page.objects;
    cursor = page.nextCursor;
  } while (cursor !== null);
}

export class ObjectNotFoundError extends Error {
  override name = 'ObjectNotFoundError';
  constructor(readonly key: string) {
    super(`There is no object at "${key}".`);
  }
}

export class ObjectTooLargeError extends Error {
  override name = 'ObjectTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`The object is larger than the limit of ${maxBytes} bytes.`);
  }
}

export class InvalidObjectKeyError extends Error {
  override name = 'InvalidObjectKeyError';
}

export function assertDeleteBatch(keys: readonly string[]): void {
  if (keys.length > MAX_DELETE_BATCH) throw new RangeError(`At most ${MAX_DELETE_BATCH} keys can be deleted at once (got ${keys.length}).`);
}
