import http from 'node:http';
import net from 'node:net';

/**
 * Clients that are still sending when the server answers: the answer must reach them whole, and
 * the connection must not fail under them (EPIPE, ECONNRESET) while it lingers.
 */
export interface InsistentOutcome {
  status: number | null;
  /** The answer's headers, as text. */
  head: string;
  /** The answer's body, parsed as JSON when it is JSON. */
  body: unknown;
  /** How the connection failed (`EPIPE`, `ECONNRESET`), if it did. */
  error: string | undefined;
  /** Bytes written after the answer had arrived. */
  sentAfterAnswer: number;
  /** Milliseconds from the answer's arrival to the connection's close. */
  closedAfterMs: number;
}

export interface InsistentRequest {
  /** The request head, up to and including its blank line, or the start of one that never ends. */
  head: string;
  /** What follows the head; `bodyBytes` of filler come after it. */
  opening?: Buffer;
  bodyBytes?: number;
  /** Frame the filler as chunks (the head must say `Transfer-Encoding: chunked`). */
  chunked?: boolean;
  /** Each write's size. */
  writeBytes?: number;
  /** A pause between writes, so that the server answers while the client is mid-request. */
  pauseMs?: number;
  /**
   * Keep sending everything after the answer has arrived, and after the server has closed its
   * side. By default the client stops and closes its side once the answer has arrived, as HTTP
   * asks of a client whose body the server refused (and as node:http does on the server's close).
   */
  ignoreAnswer?: boolean;
}

/** A chunked body's chunks, joined. */
function dechunk(text: string): string {
  let body = '';
  let rest = text;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = lineEnd === -1 ? 0 : parseInt(rest.slice(0, lineEnd), 16);
    if (!size) return body;
    body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

function parseOutcome(answer: Buffer): Pick<InsistentOutcome, 'status' | 'head' | 'body'> {
  const text = answer.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const head = split === -1 ? text : text.slice(0, split);
  const raw = split === -1 ? '' : text.slice(split + 4);
  const rest = /\r\ntransfer-encoding: chunked/i.test(head) ? dechunk(raw) : raw;
  let body: unknown = rest;
  try {
    body = JSON.parse(rest);
  } catch {
    // not JSON: the text as it came
  }
  const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
  return { status: status === undefined ? null : Number(status), head, body };
}

/** The bytes to send, a write at a time: the head, then the body (the opening and the filler), framed as chunks when asked. */
function* pieces(request: InsistentRequest): Generator<Buffer> {
  const size = request.writeBytes ?? 64 * 1024;
  const head = Buffer.from(request.head, 'latin1');
  for (let offset = 0; offset < head.length; offset += size) yield head.subarray(offset, offset + size);
  const frame = (piece: Buffer) => (request.chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece);
  if (request.opening) yield frame(request.opening);
  const filler = Buffer.alloc(size, 'a');
  for (let left = request.bodyBytes ?? 0; left > 0; left -= size) yield frame(filler.subarray(0, Math.min(size, left)));
  if (request.chunked) yield Buffer.from('0\r\n\r\n');
}

/** One request over a raw socket, written piece by piece while the answer is awaited. */
export function sendInsistently(baseUrl: string, request: InsistentRequest): Promise<InsistentOutcome> {
  const { port, hostname } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect({ port: Number(port), host: hostname, allowHalfOpen: request.ignoreAnswer === true });
    const received: Buffer[] = [];
    let answeredAt: number | undefined;
    let sentAfterAnswer = 0;
    let error: string | undefined;
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (answeredAt === undefined && Buffer.concat(received).includes('\r\n\r\n')) answeredAt = Date.now();
    });
    socket.on('error', (failure: NodeJS.ErrnoException) => { error = failure.code ?? failure.message; });
    socket.on('close', () => {
      resolve({ ...parseOutcome(Buffer.concat(received)), error, sentAfterAnswer, closedAfterMs: answeredAt === undefined ? 0 : Date.now() - answeredAt });
    });
    const source = pieces(request);
    const pump = (): void => {
      for (;;) {
        if (socket.destroyed || (answeredAt !== undefined && !request.ignoreAnswer)) break;
        const next = source.next();
        if (next.done) break;
        if (answeredAt !== undefined) sentAfterAnswer += next.value.length;
        const more = socket.write(next.value);
        if (request.pauseMs !== undefined) {
          setTimeout(pump, request.pauseMs);
          return;
        }
        if (!more) {
          socket.once('drain', pump);
          return;
        }
      }
      if (!socket.destroyed) socket.end();
    };
    socket.once('connect', pump);
  });
}

export interface HttpOutcome {
  status: number | null;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** Every error node:http reported on the request or the response. */
  errors: string[];
}

/** One request by node:http, which writes its whole body whatever the server answers; settles once the connection closes. */
export function sendByNodeHttp(baseUrl: string, request: { method: string; path: string; headers?: http.OutgoingHttpHeaders; body?: Buffer }): Promise<HttpOutcome> {
  const { port, hostname } = new URL(baseUrl);
  return new Promise((resolve) => {
    let status: number | null = null;
    let headers: http.IncomingHttpHeaders = {};
    let text = '';
    const errors: string[] = [];
    const req = http.request({ host: hostname, port, method: request.method, path: request.path, headers: request.headers, agent: false }, (res) => {
      status = res.statusCode ?? null;
      headers = res.headers;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('error', (failure: NodeJS.ErrnoException) => errors.push(`response: ${failure.code ?? failure.message}`));
    });
    req.on('error', (failure: NodeJS.ErrnoException) => errors.push(`request: ${failure.code ?? failure.message}`));
    req.on('close', () => {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: the text as it came
      }
      resolve({ status, headers, body, errors });
    });
    req.end(request.body);
  });
}
