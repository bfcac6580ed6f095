import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UploadError, uploadFile } from '../../src/client/api/upload.js';
import { FILES_PATH } from '../../src/shared/paths.js';

const LIMIT = 64;

interface Received {
  sessionId: string | null;
  name: string | null;
  contentType: string | undefined;
  body: string;
}

/**
 * The upload route as the browser meets it, on a real socket: raw bytes in, `{ fileId }` or a
 * REST error out (413 over the limit, 400 for a refused type, 429 with a wait, 507 for a full disk).
 */
function filesRoute(received: Received[]) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let body = '';
    for await (const chunk of req as AsyncIterable<Buffer>) body += chunk.toString('utf8');
    received.push({ sessionId: url.searchParams.get('sessionId'), name: url.searchParams.get('name'), contentType: req.headers['content-type'], body });
    const refuse = (status: number, code: string, message: string, extra: object = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code, httpStatus: status, message, ...extra } }));
    };
    if (url.pathname !== FILES_PATH || req.method !== 'POST') refuse(404, 'NOT_FOUND', 'No such route.');
    else if (body.length > LIMIT) refuse(413, 'PAYLOAD_TOO_LARGE', `The file is larger than the ${LIMIT} bytes a file may have.`);
    else if (url.searchParams.get('name')?.endsWith('.exe')) refuse(400, 'BAD_REQUEST', 'Programs cannot be uploaded.');
    else if (url.searchParams.get('name') === 'busy.txt') refuse(429, 'TOO_MANY_REQUESTS', 'Too many uploads. Try again in 30 seconds.', { retryAfterSeconds: 30 });
    else if (url.searchParams.get('name') === 'spent.txt') refuse(429, 'TOO_MANY_REQUESTS', 'Your network has uploaded its 1 GiB for the day; try again in 5 h.', { retryAfterSeconds: 18_000 });
    else if (url.searchParams.get('name') === 'full.txt') refuse(507, 'INSUFFICIENT_STORAGE', 'The server is running out of disk space, so it cannot take this file now.');
    else if (url.searchParams.get('name') === 'broken.txt') { res.writeHead(502, { 'Content-Type': 'text/html' }); res.end('<h1>Bad gateway</h1>'); }
    else if (url.searchParams.get('name')?.startsWith('proxy-')) {
      const status = Number(url.searchParams.get('name')?.slice('proxy-'.length, 'proxy-'.length + 3));
      res.writeHead(status, { 'Content-Type': 'text/html' });
      res.end(`<h1>${status}</h1>`);
    }
    else { res.writeHead(201, { 'Content-Type': 'application/json' }); res.end(JSON.stringify({ fileId: randomUUID() })); }
  };
}

describe('uploadFile', () => {
  const received: Received[] = [];
  const server = createServer((req, res) => { void filesRoute(received)(req, res); });
  const sessionId = randomUUID();

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // The page is served by the same origin as the API, as in the app.
    (globalThis as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  });
  afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });

  it('sends the raw bytes with the file’s type to the session’s upload route, and answers its file id', async () => {
    const progress: [number, number][] = [];
    const file = new File(['hello tabs'], 'notes & plans.txt', { type: 'text/plain' });
    const result = await uploadFile(sessionId, file, (loaded, total) => progress.push([loaded, total]));
    expect(result.fileId).toMatch(/^[0-9a-f-]{36}$/);
    expect(received.at(-1)).toEqual({ sessionId, name: 'notes & plans.txt', contentType: 'text/plain', body: 'hello tabs' });
    expect(progress.at(-1)).toEqual([file.size, file.size]);
    for (const [loaded, total] of progress) expect(loaded).toBeLessThanOrEqual(total);
  });

  it.each([
    ['too large', new File(['x'.repeat(LIMIT + 1)], 'big.bin'), 413, `The file is larger than the ${LIMIT} bytes a file may have.`],
    ['of a refused type', new File(['MZ'], 'setup.exe'), 400, 'Programs cannot be uploaded.'],
    ['rate limited', new File(['x'], 'busy.txt'), 429, 'Too many uploads. Try again in 30 seconds.'],
    ['over the network’s bytes for the day', new File(['x'], 'spent.txt'), 429, 'Your network has uploaded its 1 GiB for the day; try again in 5 h.'],
    ['while the server’s disk is nearly full', new File(['x'], 'full.txt'), 507, 'The server is running out of disk space, so it cannot take this file now.'],
  ])('rejects a file %s with the server’s own words', async (_what, file, status, message) => {
    const failure = await uploadFile(sessionId, file, () => undefined).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UploadError);
    expect(failure).toMatchObject({ status, message });
    if (file.name === 'busy.txt') expect(failure).toMatchObject({ retryAfterSeconds: 30 });
  });

  it.each([
    [429, 'Too many uploads from your network. Please wait a while, then try again.'],
    [507, 'The server has no room for this file right now. Please try again later.'],
  ])('says what a %i means when the answer is not the server’s own', async (status, message) => {
    const failure = await uploadFile(sessionId, new File(['x'], `proxy-${status}.txt`), () => undefined).catch((error: unknown) => error);
    expect(failure).toMatchObject({ status, message });
  });

  it('says the upload failed in words when the answer is not the server’s (a proxy’s error page)', async () => {
    const failure = await uploadFile(sessionId, new File(['x'], 'broken.txt'), () => undefined).catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 502, message: 'The upload failed (HTTP 502). Please try again.' });
  });

  it('stops when told to, before sending anything', async () => {
    const before = received.length;
    const controller = new AbortController();
    controller.abort();
    await expect(uploadFile(sessionId, new File(['x'], 'later.txt'), () => undefined, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(received.length).toBe(before);
  });
});
