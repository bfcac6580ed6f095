import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../logger.js';
import { errorBody } from './json-response.js';
import type { LingeringClose } from './lingering-close.js';

/** What node:http's parser says about a request it could not read. */
export interface ClientError extends Error {
  code?: string;
  /** How far into `rawPacket` it read before failing. */
  bytesParsed?: number;
  /** The chunk it was reading. */
  rawPacket?: unknown;
}

export interface ClientErrorOptions {
  log: Logger;
  lingering: LingeringClose;
  /** The most bytes of request line and headers node:http reads (its maxHeaderSize). */
  maxHeaderBytes: number;
  newRequestId: () => string;
  /** Whether an answer has begun on the connection: nothing may be written into the middle of it. */
  answering: (socket: Duplex) => boolean;
}

/** A request line is a method, a space and the target; a chunk failing inside one shows no line break. */
const REQUEST_LINE_START = /^[A-Z]+ \S+$/;

/**
 * Whether the header section overflowed in the request line (a URL too long) rather than in the
 * headers. Told from the chunk the parser failed in, which is exact when the request line began
 * there, as it does when a client sends its request head in one write; when in doubt, headers.
 */
export function overflowedInRequestLine(error: ClientError): boolean {
  const { rawPacket, bytesParsed } = error;
  if (!Buffer.isBuffer(rawPacket) || bytesParsed === undefined) return false;
  return REQUEST_LINE_START.test(rawPacket.subarray(0, bytesParsed).toString('latin1'));
}

/** The request's method, when the chunk the parser failed in began with its request line. */
export function methodOf(error: ClientError): string | undefined {
  const { rawPacket } = error;
  return Buffer.isBuffer(rawPacket) ? /^([A-Z]+) /.exec(rawPacket.subarray(0, 32).toString('latin1'))?.[1] : undefined;
}

/** node:http's own answer to the other errors (a malformed request, headers too slow): kept as it was. */
function plainAnswer(code: string | undefined): string {
  const status = code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? 413 : 400;
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\n\r\n`;
}

/**
 * The server's 'clientError' listener: what node:http's parser could not read. A request line or
 * headers over the size limit are answered 414 or 431 with the usual JSON error, and the
 * connection lingers, since its client is usually still sending them; everything else is answered
 * as node:http would and closed.
 */
export function createClientErrorHandler(opts: ClientErrorOptions): (error: ClientError, socket: Duplex) => void {
  const kib = Math.floor(opts.maxHeaderBytes / 1024);
  return (error, socket) => {
    // Its parser failing on what the client still sends, or telling that its headers timed out: already answered.
    if (opts.lingering.has(socket)) return;
    const canAnswer = socket.writable && !opts.answering(socket);
    if (error.code === 'HPE_HEADER_OVERFLOW' && canAnswer) {
      const requestId = opts.newRequestId();
      const body = overflowedInRequestLine(error)
        ? errorBody(414, 'URI_TOO_LONG', `The URL is too long: the request line and headers may be at most ${kib} KiB. Send large input in a POST body instead.`, requestId)
        : errorBody(431, 'REQUEST_HEADER_FIELDS_TOO_LARGE', `The request headers are too large: with the request line they may be at most ${kib} KiB. Send fewer or smaller headers (cookies included).`, requestId);
      opts.log.info({ requestId, status: body.error.httpStatus }, 'request head too large');
      opts.lingering.answer(socket, body.error.httpStatus, JSON.stringify(body), { toHead: methodOf(error) === 'HEAD' });
      return;
    }
    if (canAnswer) socket.write(plainAnswer(error.code));
    socket.destroy(error);
  };
}
