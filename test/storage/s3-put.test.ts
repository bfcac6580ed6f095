import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { S3Client, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-s3';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stagingKey } from '../../src/server/storage/keys.js';
import { S3ObjectStore } from '../../src/server/storage/s3-object-store.js';
import { MiB } from '../support/file-uploads.js';
import { startS3rver, type S3Server } from '../support/s3rver.js';

const PART = 5 * MiB;
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function streamOf(data: Buffer, chunk = 64 * 1024): Readable {
  return Readable.from((function* () {
    for (let offset = 0; offset < data.length; offset += chunk) yield data.subarray(offset, offset + chunk);
  })());
}

async function bytesOf(store: S3ObjectStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await store.get(key)).body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** An S3 client on s3rver that sees every command by name; `fault` may throw in place of sending one (fault injection). */
function clientOn(s3: S3Server, fault: (command: string, body: unknown) => void = () => undefined) {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const commands: string[] = [];
  const middleware: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next, context) => async (args) => {
    const command = String(context.commandName);
    commands.push(command);
    fault(command, (args.request as { body?: unknown }).body);
    return next(args);
  };
  client.middlewareStack.add(middleware, { step: 'finalizeRequest', name: 'seeCommands' });
  return { client, commands };
}

describe('S3ObjectStore.put on s3rver', () => {
  let s3: S3Server;
  beforeAll(async () => { s3 = await startS3rver(); });
  afterAll(async () => { await s3.stop(); });

  it('sends a body of known size in one PutObject: held when it fits in a part, streamed above that; in parts when its size is unknown', async () => {
    const { client, commands } = clientOn(s3);
    const store = new S3ObjectStore({ client, bucket: s3.bucket, partSize: PART });
    for (const [size, declared, expected] of [
      [MiB, true, ['PutObjectCommand']],
      [PART + MiB, true, ['PutObjectCommand']],
      [PART + MiB, false, ['CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand', 'CompleteMultipartUploadCommand']],
    ] as const) {
      commands.length = 0;
      const key = stagingKey(randomUUID());
      const data = randomBytes(size);
      expect(await store.put(key, streamOf(data), declared ? { size } : {})).toEqual({ size });
      expect([...commands].sort()).toEqual([...expected].sort());
      expect(sha(await bytesOf(store, key))).toBe(sha(data));
    }
  });

  it('tries a streamed PutObject again when it failed before sending a byte (fault injection)', async () => {
    let failures = 0;
    const { client, commands } = clientOn(s3, (command) => {
      if (command === 'PutObjectCommand' && failures < 2) {
        failures += 1;
        throw new Error(`injected connection failure ${failures}`);
      }
    });
    const store = new S3ObjectStore({ client, bucket: s3.bucket, partSize: PART });
    const key = stagingKey(randomUUID());
    const data = randomBytes(PART + MiB);
    expect(await store.put(key, streamOf(data), { size: data.length })).toEqual({ size: data.length });
    expect(commands).toEqual(['PutObjectCommand', 'PutObjectCommand', 'PutObjectCommand']);
    expect(sha(await bytesOf(store, key))).toBe(sha(data));
  });

  it('does not try again once bytes were sent, and keeps nothing (fault injection)', async () => {
    const { client, commands } = clientOn(s3, (command, body) => {
      // The request has started reading its body when the connection drops.
      if (command === 'PutObjectCommand' && body instanceof Readable) {
        body.read(1);
        throw new Error('injected connection drop mid-body');
      }
    });
    const store = new S3ObjectStore({ client, bucket: s3.bucket, partSize: PART });
    const key = stagingKey(randomUUID());
    const data = randomBytes(PART + MiB);
    await expect(store.put(key, streamOf(data), { size: data.length })).rejects.toThrow(/injected connection drop mid-body/);
    expect(commands.filter((command) => command === 'PutObjectCommand')).toEqual(['PutObjectCommand']);
    expect(await store.head(key)).toBeNull();
  });

  it('fails a streamed body that ends short of its declared size, with the numbers, instead of waiting', async () => {
    const { client } = clientOn(s3);
    const store = new S3ObjectStore({ client, bucket: s3.bucket, partSize: PART });
    const key = stagingKey(randomUUID());
    const data = randomBytes(PART + MiB);
    await expect(store.put(key, streamOf(data.subarray(1)), { size: data.length })).rejects.toThrow(`The body ended after ${data.length - 1} of its declared ${data.length} bytes.`);
    expect(await store.head(key)).toBeNull();
  });
});
