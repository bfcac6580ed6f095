import http, { type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';

/**
 * How long the server may take to answer (or hang up on) one fuzzed request before it counts as
 * hung: well past the fuzz app's 2 s headers timeout plus Node's 1 s check of it, since on a loaded
 * CI machine (the browser tests beside it) those timers fire seconds late.
 */
export const ANSWER_TIMEOUT_MS = 10_000;

export interface HttpRequest {
  method: string;
  /** The request target: path and query, already encoded as a client would send it. */
  path: string;
  /** A value list sends the header once per value (a duplicate header). */
  headers: Record<string, string | string[]>;
  body?: string | Buffer;
}

export type HttpAnswer =
  | { kind: 'answered'; status: number; headers: IncomingHttpHeaders; body: string }
  /** The server sent `text/event-stream` headers: a stream that would stay open, which the client stopped reading. */
  | { kind: 'event-stream'; status: number; headers: IncomingHttpHeaders; body: string }
  /** The connection ended with no answer. */
  | { kind: 'closed'; error: string }
  | { kind: 'hung' }
  /** Given up because the server failed in another way meanwhile (an error escaped it). */
  | { kind: 'abandoned' };

export interface ExchangeOptions {
  timeoutMs?: number;
  /** The connection pool to send on (a shared keep-alive one by default). */
  agent?: http.Agent;
  /** Aborted when the exchange is no longer worth waiting for. */
  signal?: AbortSignal;
}

const sharedAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * The request's headers with its body's length: node:http sends the body of an OPTIONS or DELETE
 * unframed otherwise, and the server would read those bytes as the next request on the socket.
 */
function framed(request: HttpRequest): HttpRequest['headers'] {
  if (request.body === undefined || Object.keys(request.headers).some((name) => name.toLowerCase() === 'content-length')) return request.headers;
  return { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) };
}

/**
 * One request by node:http (which, unlike fetch, sends any method, Host or duplicate header), read
 * whole. Never rejects: every way the exchange can end is an answer for the oracle to judge.
 */
export async function exchangeHttp(baseUrl: string, request: HttpRequest, options: ExchangeOptions = {}): Promise<HttpAnswer> {
  const answer = await exchangeOnce(baseUrl, request, options);
  // A kept-alive socket the server closed as it sat idle fails the next request sent on it: that
  // is the client's race (node:http's documented advice is to retry), not the server's fault.
  return answer.kind === 'closed' && answer.reusedSocket ? exchangeOnce(baseUrl, request, options) : answer;
}

function exchangeOnce(baseUrl: string, request: HttpRequest, options: ExchangeOptions): Promise<HttpAnswer & { reusedSocket?: boolean }> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    let settled = false;
    const abandon = () => {
      settle({ kind: 'abandoned' });
      req.destroy();
    };
    const settle = (answer: HttpAnswer & { reusedSocket?: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abandon);
      resolve(answer);
    };
    const req = http.request(
      { agent: options.agent ?? sharedAgent, host: url.hostname, port: url.port, method: request.method, path: request.path, headers: framed(request) },
      (res) => {
        const chunks: Buffer[] = [];
        const status = res.statusCode ?? 0;
        if (/text\/event-stream/i.test(res.headers['content-type'] ?? '')) {
          res.once('data', (chunk: Buffer) => {
            settle({ kind: 'event-stream', status, headers: res.headers, body: chunk.toString('utf8') });
            req.destroy();
          });
          return;
        }
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => { settle({ kind: 'answered', status, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }); });
        res.on('error', (error) => { settle({ kind: 'closed', error: error.message }); });
      },
    );
    const timer = setTimeout(() => {
      settle({ kind: 'hung' });
      req.destroy();
    }, options.timeoutMs ?? ANSWER_TIMEOUT_MS);
    if (options.signal?.aborted) abandon();
    options.signal?.addEventListener('abort', abandon);
    req.on('error', (error) => { settle({ kind: 'closed', error: error.message, reusedSocket: req.reusedSocket && (error as NodeJS.ErrnoException).code === 'ECONNRESET' }); });
    req.end(request.body);
  });
}

/**
 * Sends a request on every connection the agent keeps alive: each must still answer, as a
 * browser's next request on it expects. Lists the connections that did not.
 */
export async function probeIdleConnections(baseUrl: string, agent: http.Agent): Promise<string[]> {
  const idle = Object.values(agent.freeSockets).reduce((count, sockets) => count + (sockets?.length ?? 0), 0);
  const answers = await Promise.all(Array.from({ length: idle }, () => exchangeOnce(baseUrl, { method: 'GET', path: '/healthz', headers: {} }, { agent })));
  return answers
    .filter((answer) => !(answer.kind === 'answered' && answer.status === 200) && !(answer.kind === 'closed' && answer.reusedSocket))
    .map((answer) => `a connection kept alive after a request no longer serves the next one (GET /healthz: ${answer.kind === 'answered' ? answer.status : answer.kind})`);
}

/** A request that must succeed: for the suite's own set-up and health checks. */
export async function sendHttp(baseUrl: string, request: HttpRequest): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const answer = await exchangeHttp(baseUrl, request);
  if (answer.kind !== 'answered') throw new Error(`${request.method} ${request.path}: ${answer.kind}`);
  return answer;
}

export interface RawAnswer {
  /** Everything the server wrote, as latin1 text (byte for byte). */
  text: string;
  /** The status code of every response on the connection. */
  statuses: number[];
  /** The server neither answered nor hung up in time. */
  hung: boolean;
  /** Given up because the server failed in another way meanwhile. */
  abandoned: boolean;
}

export interface RawOptions extends ExchangeOptions {
  /** Reset the connection right after writing, as a browser tab closed mid-request does. */
  reset?: boolean;
  /**
   * Read until the server closes the connection, instead of until the first whole response. The
   * connection is never half-closed: Node's server takes a client's FIN for an aborted request.
   */
  untilClose?: boolean;
}

/** Whether `text` starts with a whole response: its headers and as much body as they announce. */
export function holdsWholeResponse(text: string, answersHead: boolean): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return false;
  const head = text.slice(0, end);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  if (answersHead || (status >= 100 && status < 200) || status === 204 || status === 304) return true;
  const body = text.slice(end + 4);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
  if (length !== undefined) return Buffer.byteLength(body, 'latin1') >= Number(length);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) return /(?:^|\r\n)0\r\n\r\n$/.test(body);
  return false; // delimited by the server closing the connection
}

/**
 * Writes bytes on a fresh TCP connection and reads the answer: the first whole response, or all
 * until the server closes the connection.
 */
export function exchangeRaw(port: number, bytes: Buffer, options: RawOptions = {}): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port });
    const answersHead = bytes.subarray(0, 5).toString('latin1') === 'HEAD ';
    let hung = false;
    let abandoned = false;
    const abandon = () => {
      abandoned = true;
      socket.destroy();
    };
    if (options.signal?.aborted) abandon();
    options.signal?.addEventListener('abort', abandon);
    const timer = setTimeout(() => {
      hung = true;
      socket.destroy();
    }, options.timeoutMs ?? ANSWER_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (!options.untilClose && holdsWholeResponse(Buffer.concat(chunks).toString('latin1'), answersHead)) socket.destroy();
    });
    socket.on('error', () => undefined); // a reset by the server is one way to hang up
    socket.once('close', () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abandon);
      const text = Buffer.concat(chunks).toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((match) => Number(match[1]));
      resolve({ text, statuses, hung: hung && !abandoned, abandoned });
    });
    socket.once('connect', () => {
      if (options.reset) socket.write(bytes, () => { socket.resetAndDestroy(); });
      else socket.write(bytes);
    });
  });
}

/** Runs `work` on every item with at most `limit` in flight, in order of start. */
export async function forEachBounded<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
}
