/**
 * The floor of the upload figure: a bare node:http handler streaming the request body into the
 * same store as the app, the most direct way each store allows. Local: a file written then
 * renamed into place (an object appears whole or not at all, as the app's store promises). S3: one
 * streamed PutObject with the request's length (no multipart, no part buffers).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { memoryAfterGc, serveParent } from '../lib/child.js';

const bucket = process.env.S3_BUCKET;
const s3 = bucket
  ? new S3Client({
      endpoint: process.env.S3_ENDPOINT,
      region: process.env.S3_REGION ?? 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '' },
    })
  : undefined;
const root = path.join(process.env.DATA_DIR ?? '.', 'objects');

async function store(req: http.IncomingMessage): Promise<void> {
  const key = `staging/${randomUUID()}`;
  if (s3) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: req, ContentLength: Number(req.headers['content-length']) }));
    return;
  }
  const final = path.join(root, key);
  const partial = `${final}.partial`;
  await mkdir(path.dirname(final), { recursive: true });
  await pipeline(req, createWriteStream(partial));
  await rename(partial, final);
}

const server = http.createServer((req, res) => {
  store(req).then(
    () => { res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}'); },
    (error: unknown) => { res.writeHead(500).end(String(error)); },
  );
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

serveParent({ url: `http://127.0.0.1:${port}` }, { memory: () => memoryAfterGc() }, async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  s3?.destroy();
});
