import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';

export const MiB = 1024 * 1024;
/** A 1×1 PNG. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
/** The start of a 64-bit Linux program, padded. */
export const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), randomBytes(4096)]);
/** The start of a Windows program ("MZ"), padded. */
export const PE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), randomBytes(4096)]);

export interface UploadOptions {
  sessionId: string;
  name?: string;
  cookie?: string;
  contentType?: string;
  origin?: string;
  /** Send the body chunked (no Content-Length). */
  chunked?: boolean;
  /** More request headers (e.g. X-Forwarded-For behind a trusted proxy). */
  headers?: Record<string, string>;
}

export function uploadUrl(base: string, sessionId: string, name?: string): string {
  const url = new URL('/api/files', base);
  url.searchParams.set('sessionId', sessionId);
  if (name !== undefined) url.searchParams.set('name', name);
  return url.toString();
}

/** POSTs `body` raw, as a browser's fetch(file) does. */
export function uploadRaw(base: string, body: Buffer, options: UploadOptions): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/octet-stream', ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.origin) headers.origin = options.origin;
  const payload: BodyInit = options.chunked ? chunkedStream(body) : new Uint8Array(body);
  return fetch(uploadUrl(base, options.sessionId, options.name), { method: 'POST', headers, body: payload, duplex: 'half' } as RequestInit);
}

/** POSTs `body` as multipart/form-data in a field named `file`, as a browser's form does. */
export function uploadForm(base: string, body: Buffer, fileName: string, options: Omit<UploadOptions, 'name'> & { name?: string }): Promise<Response> {
  const form = new FormData();
  form.append('note', 'a field before the file');
  form.append('file', new Blob([new Uint8Array(body)], { type: options.contentType ?? 'application/octet-stream' }), fileName);
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  if (options.origin) headers.origin = options.origin;
  return fetch(uploadUrl(base, options.sessionId, options.name), { method: 'POST', headers, body: form });
}

function chunkedStream(body: Buffer, chunkSize = 256 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= body.length) {
        controller.close();
        return;
      }
      controller.enqueue(new Uint8Array(body.subarray(offset, offset + chunkSize)));
      offset += chunkSize;
    },
  });
}

export async function uploadedFileId(response: Response): Promise<string> {
  const text = await response.text();
  expect(response.status, text).toBe(201);
  const body = JSON.parse(text) as { fileId: string };
  return body.fileId;
}

export function download(base: string, fileId: string, cookie?: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(new URL(`/api/files/${fileId}`, base), { headers: { ...headers, ...(cookie ? { cookie } : {}) } });
}

export async function readAll(body: ReadableStream<Uint8Array> | null): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
