import { pipeline, Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ByteLimit } from './byte-limit.js';
import { assertKeyPrefix, assertObjectKey } from './keys.js';
import { lazyRelay } from './lazy-relay.js';
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

export interface S3ObjectStoreOptions {
  client: S3Client;
  bucket: string;
  /** Bytes per multipart part; an upload holds at most `partSize * queueSize` in memory. */
  partSize?: number;
  queueSize?: number;
  /** CopyObject's limit (5 GiB on AWS); larger objects are copied by streaming them through. */
  maxCopyBytes?: number;
  /** A body of known size up to this goes in one PutObject; larger ones, and those of unknown size, in parts. */
  multipartThreshold?: number;
}

/** Tries of a streamed PutObject that failed before sending a byte (the SDK retries none of a streamed body). */
const STREAMED_PUT_ATTEMPTS = 3;

const MiB = 1024 * 1024;

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

function isMissing(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NotFound' || statusOf(error) === 404);
}

/** A store that does not implement an operation says so in one of these ways (s3rver: 405 or 501). */
function isUnsupported(error: unknown): boolean {
  const status = statusOf(error);
  return error instanceof S3ServiceException && (error.name === 'NotImplemented' || error.name === 'MethodNotAllowed' || status === 501 || status === 405);
}

/** A key as CopySource wants it: URL-encoded, with its slashes kept. */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * The object store on S3 or any S3-compatible server. A body of known size goes in one PutObject:
 * held in memory when it fits in one part (so the SDK can retry it), streamed otherwise; a body of
 * unknown or larger size streams through lib-storage in parts. Memory stays bounded whatever the size.
 */
export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3';
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly maxCopyBytes: number;
  private readonly multipartThreshold: number;

  constructor(options: S3ObjectStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.partSize = options.partSize ?? 8 * MiB;
    this.queueSize = options.queueSize ?? 2;
    this.maxCopyBytes = options.maxCopyBytes ?? 5 * 1024 * MiB;
    this.multipartThreshold = options.multipartThreshold ?? 256 * MiB;
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<{ size: number }> {
    assertObjectKey(key);
    const counter = new ByteLimit(options.maxBytes);
    // pipeline also fails the counter for a body that failed before it got here (a client gone
    // already), where a listener added now would wait for an 'error' that was emitted long ago.
    pipeline(body, counter, () => undefined);
    const { size } = options;
    try {
      if (size !== undefined && size <= this.partSize) await this.putHeld(key, counter, options);
      else if (size !== undefined && size <= this.multipartThreshold) await this.putStreamed(key, counter, size, options);
      else await this.putInParts(key, counter, options);
    } catch (error) {
      // A body that failed (too large, or its client gone) failed the counter: that cause is the
      // answer, not the request's echo of it.
      const cause = counter.errored;
      counter.destroy();
      throw cause ?? error;
    }
    return { size: counter.bytes };
  }

  /** One part's worth at most, read whole first: a Buffer body is one the SDK retries (s3rver's 500s included). */
  private async putHeld(key: string, counter: ByteLimit, options: PutOptions): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of counter as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length, ContentType: options.contentType }));
  }

  /** One streamed PutObject, tried again only while none of the body has been sent. */
  private async putStreamed(key: string, counter: ByteLimit, size: number, options: PutOptions): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const request = new AbortController();
      const relay = lazyRelay(counter, size, () => counter.bytes, () => { request.abort(); });
      try {
        const command = new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: relay.body, ContentLength: size, ContentType: options.contentType });
        await this.client.send(command, { abortSignal: request.signal });
        return;
      } catch (error) {
        relay.release();
        relay.body.destroy();
        if (relay.started() || attempt >= STREAMED_PUT_ATTEMPTS || counter.errored) {
          // S3 refuses a body short of its Content-Length; a lenient server may keep what came, which must not stay.
          if (relay.started()) await this.deleteMany([key]).catch(() => undefined);
          throw relay.failure() ?? error;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  private async putInParts(key: string, counter: ByteLimit, options: PutOptions): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: counter, ContentType: options.contentType },
      partSize: this.partSize,
      queueSize: this.queueSize,
      // lib-storage aborts its multipart upload itself on an error.
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async get(key: string, range?: ByteRange): Promise<ObjectBody> {
    assertObjectKey(key);
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
      );
      const body = response.Body;
      if (!(body instanceof Readable)) throw new Error(`The S3 client answered GetObject for "${key}" without a Node stream.`);
      return { body, size: response.ContentLength ?? 0, contentType: response.ContentType };
    } catch (error) {
      if (isMissing(error)) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async head(key: string): Promise<StoredObject | null> {
    assertObjectKey(key);
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: response.ContentLength ?? 0, lastModified: response.LastModified ?? new Date(0), contentType: response.ContentType };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async copy(from: string, to: string, options: { contentType?: string } = {}): Promise<void> {
    assertObjectKey(from);
    assertObjectKey(to);
    const source = await this.head(from);
    if (!source) throw new ObjectNotFoundError(from);
    if (source.size > this.maxCopyBytes) {
      const { body } = await this.get(from);
      await this.put(to, body, { contentType: options.contentType ?? source.contentType });
      return;
    }
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: to,
          CopySource: copySource(this.bucket, from),
          ...(options.contentType ? { MetadataDirective: 'REPLACE', ContentType: options.contentType } : {}),
        }),
      );
    } catch (error) {
      if (isMissing(error)) throw new ObjectNotFoundError(from);
      throw error;
    }
  }

  async move(from: string, to: string, options: { contentType?: string } = {}): Promise<void> {
    if (from === to) return;
    await this.copy(from, to, options);
    const { failed } = await this.deleteMany([from]);
    if (failed[0]) throw new Error(`Moved "${from}" to "${to}" but could not delete the original: ${failed[0].message}`);
  }

  async deleteMany(keys: readonly string[]): Promise<DeleteResult> {
    assertDeleteBatch(keys);
    keys.forEach(assertObjectKey);
    if (keys.length === 0) return { deleted: [], failed: [] };
    const response = await this.client.send(
      new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
    );
    const failed = (response.Errors ?? []).map((error) => ({ key: error.Key ?? '', message: `${error.Code ?? 'Error'}: ${error.Message ?? 'not deleted'}` }));
    const failedKeys = new Set(failed.map((entry) => entry.key));
    return { deleted: keys.filter((key) => !failedKeys.has(key)), failed };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    assertKeyPrefix(prefix);
    const response = await this.client.send(
      new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: prefix === '' ? undefined : prefix,
        ContinuationToken: options.cursor ?? undefined,
        MaxKeys: Math.min(options.limit ?? MAX_LIST_PAGE, MAX_LIST_PAGE),
      }),
    );
    const objects = (response.Contents ?? []).flatMap((entry) =>
      entry.Key ? [{ key: entry.Key, size: entry.Size ?? 0, lastModified: entry.LastModified ?? new Date(0) }] : [],
    );
    return { objects, nextCursor: response.IsTruncated && response.NextContinuationToken ? response.NextContinuationToken : null };
  }

  async abortIncompleteUploads(olderThan: Date): Promise<IncompleteUploadsResult> {
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    try {
      for (;;) {
        const page = await this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.bucket, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        );
        for (const upload of page.Uploads ?? []) {
          if (!upload.Key || !upload.UploadId || !upload.Initiated || upload.Initiated >= olderThan) continue;
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }));
          aborted += 1;
        }
        if (!page.IsTruncated) break;
        keyMarker = page.NextKeyMarker;
        uploadIdMarker = page.NextUploadIdMarker;
      }
    } catch (error) {
      if (isUnsupported(error)) return { supported: false };
      throw error;
    }
    return { supported: true, aborted };
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }
}
