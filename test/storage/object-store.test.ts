import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config/env.js';
import { createObjectStore } from '../../src/server/storage/create-object-store.js';
import { sessionFileKey, stagingKey } from '../../src/server/storage/keys.js';
import { LocalObjectStore } from '../../src/server/storage/local-object-store.js';
import {
  InvalidObjectKeyError,
  listAll,
  ObjectNotFoundError,
  ObjectTooLargeError,
  type ObjectStore,
} from '../../src/server/storage/object-store.js';
import { S3ObjectStore } from '../../src/server/storage/s3-object-store.js';
import { MiB } from '../support/file-uploads.js';
import { STORE_KINDS, type StoreKind } from '../support/store-kinds.js';
import { allKeys } from '../support/files-app.js';
import { startS3rver, type S3Server } from '../support/s3rver.js';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function readBody(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A body delivered in small chunks, as a network socket delivers it. */
function streamOf(data: Buffer, chunk = 64 * 1024): Readable {
  return Readable.from((function* () {
    for (let offset = 0; offset < data.length; offset += chunk) yield data.subarray(offset, offset + chunk);
  })());
}

describe.each(STORE_KINDS)('ObjectStore on %s', (kind: StoreKind) => {
  let store: ObjectStore;
  let s3: S3Server | undefined;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tabsync-store-'));
    s3 = kind === 's3' ? await startS3rver() : undefined;
    store = createObjectStore(loadConfig({ DATA_DIR: dataDir, ...s3?.env }));
    expect(store.kind).toBe(kind);
  });
  afterAll(async () => {
    await store.close();
    await s3?.stop();
  });

  it('answers a ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('puts and gets a small object byte-exact, with head and content type where kept', async () => {
    const key = stagingKey(randomUUID());
    const data = randomBytes(1000);
    expect(await store.put(key, streamOf(data), { contentType: 'image/png' })).toEqual({ size: 1000 });
    const head = await store.head(key);
    expect(head).toMatchObject({ key, size: 1000 });
    if (kind === 's3') expect(head?.contentType).toBe('image/png');
    const object = await store.get(key);
    expect(object.size).toBe(1000);
    expect(sha(await readBody(object.body))).toBe(sha(data));
  });

  it('streams a multipart-sized object (21 MiB) in and out byte-exact', async () => {
    const key = stagingKey(randomUUID());
    const data = randomBytes(21 * MiB);
    expect((await store.put(key, streamOf(data))).size).toBe(data.length);
    expect(sha(await readBody((await store.get(key)).body))).toBe(sha(data));
  });

  it('reads a byte range', async () => {
    const key = stagingKey(randomUUID());
    const data = randomBytes(10_000);
    await store.put(key, streamOf(data));
    const part = await store.get(key, { start: 100, end: 4195 });
    expect(part.size).toBe(4096);
    expect((await readBody(part.body)).equals(data.subarray(100, 4196))).toBe(true);
  });

  it('refuses a body past maxBytes and keeps nothing of it', async () => {
    const key = stagingKey(randomUUID());
    await expect(store.put(key, streamOf(randomBytes(12 * MiB)), { maxBytes: 10 * MiB })).rejects.toBeInstanceOf(ObjectTooLargeError);
    expect(await store.head(key)).toBeNull();
    await expect(store.put(key, streamOf(randomBytes(1024)), { maxBytes: 1023 })).rejects.toBeInstanceOf(ObjectTooLargeError);
    expect(await store.head(key)).toBeNull();
  });

  it.each([
    ['before the put begins', true],
    ['part-way through', false],
  ])('fails a put whose body fails %s with the body\'s own error, and keeps nothing of it', async (_when, early) => {
    const key = stagingKey(randomUUID());
    const body = new PassThrough();
    const cause = new Error('the client went away');
    body.on('error', () => undefined);
    if (early) {
      body.destroy(cause);
      await new Promise((resolve) => setImmediate(resolve)); // its 'error' is long gone when the put begins
    }
    const put = store.put(key, body);
    if (!early) {
      body.write(randomBytes(1000));
      setImmediate(() => body.destroy(cause));
    }
    await expect(put).rejects.toBe(cause);
    expect(await store.head(key)).toBeNull();
    if (kind === 'local') expect(await readdir(path.join(dataDir, 'objects', '.incomplete')).catch(() => [])).toEqual([]);
  });

  it('keeps nothing of puts whose body fails at any moment of their start (no temp file appears after the clean-up)', async () => {
    const fails: ((body: PassThrough) => void)[] = [
      (body) => { process.nextTick(() => body.destroy(new Error('gone'))); },
      (body) => { setTimeout(() => body.destroy(new Error('gone')), 0); },
      (body) => { setTimeout(() => body.destroy(new Error('gone')), 1); },
      (body) => { body.write(randomBytes(10)); queueMicrotask(() => body.destroy(new Error('gone'))); },
    ];
    const keys: string[] = [];
    for (let i = 0; i < (kind === 'local' ? 800 : 20); i += 1) {
      const key = stagingKey(randomUUID());
      keys.push(key);
      const body = new PassThrough();
      body.on('error', () => undefined);
      const put = store.put(key, body);
      fails[i % fails.length]?.(body);
      await expect(put).rejects.toThrow();
    }
    await new Promise((resolve) => setTimeout(resolve, 300)); // what a late open would create, it has by now
    for (const key of keys.slice(-20)) expect(await store.head(key)).toBeNull();
    if (kind === 'local') expect(await readdir(path.join(dataDir, 'objects', '.incomplete')).catch(() => [])).toEqual([]);
  });

  it('copies and moves (with a Unicode name), and a missing source is ObjectNotFoundError', async () => {
    const from = stagingKey(randomUUID());
    const to = sessionFileKey(randomUUID(), randomUUID(), 'résumé 文件 #1 %.pdf');
    const data = randomBytes(5000);
    await store.put(from, streamOf(data));
    const copy = stagingKey(randomUUID());
    await store.copy(from, copy);
    await store.move(from, to, { contentType: 'application/pdf' });
    expect(await store.head(from)).toBeNull();
    const moved = await store.head(to);
    expect(moved?.size).toBe(5000);
    if (kind === 's3') expect(moved?.contentType).toBe('application/pdf');
    expect(sha(await readBody((await store.get(to)).body))).toBe(sha(data));
    expect(sha(await readBody((await store.get(copy)).body))).toBe(sha(data));
    await expect(store.move(from, to)).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.get(from)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('lists past 1000 keys page by page, and deletes up to 1000 keys per call', async () => {
    const prefix = `sessions/${randomUUID()}/`;
    const keys = Array.from({ length: 1234 }, (_, i) => `${prefix}files/${randomUUID()}/f${String(i).padStart(4, '0')}.txt`);
    for (let i = 0; i < keys.length; i += 100) {
      await Promise.all(keys.slice(i, i + 100).map((key) => store.put(key, Readable.from([Buffer.from(key)]))));
    }
    const pages: number[] = [];
    const listed: string[] = [];
    for await (const page of listAll(store, prefix)) {
      pages.push(page.length);
      listed.push(...page.map((object) => object.key));
    }
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...pages)).toBeLessThanOrEqual(1000);
    expect(new Set(listed).size).toBe(keys.length);
    expect([...listed].sort()).toEqual([...keys].sort());

    const small = await store.list(prefix, { limit: 7 });
    expect(small.objects).toHaveLength(7);
    expect(small.nextCursor).not.toBeNull();
    const next = await store.list(prefix, { limit: 7, cursor: small.nextCursor });
    expect(next.objects.map((object) => object.key)).not.toContain(small.objects[0]?.key);

    await expect(store.deleteMany(keys.slice(0, 1001))).rejects.toThrow(/At most 1000/);
    const first = await store.deleteMany(keys.slice(0, 1000));
    expect(first.deleted).toHaveLength(1000);
    expect(first.failed).toEqual([]);
    const rest = await store.deleteMany([...keys.slice(1000), stagingKey(randomUUID())]); // a missing key counts as deleted
    expect(rest.deleted).toHaveLength(keys.length - 1000 + 1);
    expect(await allKeys(store, prefix)).toEqual([]);
  });

  it('refuses keys that could leave their prefix', async () => {
    for (const key of ['../outside', '/abs', 'staging/../../x', 'a//b', 'a/.hidden', 'a\\b']) {
      await expect(store.put(key, Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.head(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
    }
    await expect(store.deleteMany(['../x'])).rejects.toBeInstanceOf(InvalidObjectKeyError);
    await expect(store.list('../')).rejects.toBeInstanceOf(InvalidObjectKeyError);
  });

  it('aborts incomplete uploads older than a cut-off where it can, and says so where it cannot', async () => {
    const result = await store.abortIncompleteUploads(new Date(Date.now() - 86_400_000));
    if (store instanceof S3ObjectStore) {
      // s3rver implements neither ListMultipartUploads nor AbortMultipartUpload.
      expect(result).toEqual({ supported: false });
      return;
    }
    expect(store).toBeInstanceOf(LocalObjectStore);
    expect(result).toEqual({ supported: true, aborted: 0 });
    const incomplete = path.join(dataDir, 'objects', '.incomplete');
    mkdirSync(incomplete, { recursive: true });
    const old = path.join(incomplete, 'old-part');
    writeFileSync(old, 'partial');
    utimesSync(old, new Date(Date.now() - 2 * 86_400_000), new Date(Date.now() - 2 * 86_400_000));
    writeFileSync(path.join(incomplete, 'fresh-part'), 'partial');
    expect(await store.abortIncompleteUploads(new Date(Date.now() - 86_400_000))).toEqual({ supported: true, aborted: 1 });
    expect(await allKeys(store)).not.toContain('.incomplete/fresh-part'); // never listed as an object
  });
});
