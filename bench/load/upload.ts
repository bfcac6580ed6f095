/**
 * One large upload from a process apart from the server: the bytes are made on the fly (one
 * random chunk repeated) and written with back-pressure, so neither side ever holds the file.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { serveParent } from '../lib/child.js';

export interface UploadRequest {
  url: string;
  headers: Record<string, string>;
  bytes: number;
}

export interface UploadResult {
  ms: number;
  status: number;
  body: string;
}

const CHUNK = randomBytes(256 * 1024);

function upload(payload: unknown): Promise<UploadResult> {
  const request = payload as UploadRequest;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(request.url, {
      method: 'POST',
      headers: { ...request.headers, 'content-length': String(request.bytes) },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => { resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString().slice(0, 500) }); });
    });
    req.on('error', reject);
    let sent = 0;
    const write = () => {
      while (sent < request.bytes) {
        const size = Math.min(CHUNK.length, request.bytes - sent);
        sent += size;
        if (!req.write(size === CHUNK.length ? CHUNK : CHUNK.subarray(0, size))) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

serveParent({}, { upload }, () => Promise.resolve());
