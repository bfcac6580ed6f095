import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { rawHttpAnswer, type RawAnswerOptions } from './raw-answer.js';

/**
 * Bounds on a lingering close. A connection answered while its client is still sending (a body
 * over the limit, headers too large, a refused upgrade with a body) cannot simply be closed: the
 * kernel answers bytes that arrive at a closed socket, or sit unread in it, with a reset, and a
 * client that meets the reset while it writes (EPIPE, ECONNRESET) often drops the answer it has
 * not read yet. So the answer goes out with `Connection: close`, the write side is ended, and
 * what the client still sends is read and dropped until it stops, within these bounds.
 */
export interface LingerLimits {
  /** The longest a client is given, from the answer on, to stop sending. */
  ms: number;
  /** The most bytes read and dropped; a client still sending past them is cut off. */
  bytes: number;
  /** The most connections lingering at once; past them, a closing connection is cut at once. */
  connections: number;
}

/**
 * Long and large enough for a client that stops once it reads the answer (as HTTP asks) and for
 * one that sends its whole body regardless (node:http, fetch) up to about the largest upload.
 */
export const LINGER_LIMITS: LingerLimits = { ms: 5_000, bytes: 32 * 1024 * 1024, connections: 128 };

export interface LingeringClose {
  /**
   * Answers a connection that no ServerResponse owns (a client error before any request, a
   * refused upgrade) with an HTTP answer and a JSON body (its headers only, to a HEAD request),
   * then lingers. node:http's parser reads none of what follows: no later request on the
   * connection is served.
   */
  answer(socket: Duplex, status: number, jsonBody: string, options?: RawAnswerOptions): void;
  /**
   * Watches a request from its start: when node:http closes the connection after the response
   * (`Connection: close`) with the request's body not read to its end, the rest of the body is
   * read and dropped, within the bounds, before the connection closes.
   */
  watch(req: IncomingMessage, res: ServerResponse): void;
  /** Whether the connection is lingering: whatever it still sends is not a request to serve. */
  has(socket: Duplex): boolean;
}

export function createLingeringClose(limits: LingerLimits = LINGER_LIMITS): LingeringClose {
  const lingering = new Set<Duplex>();

  /** Reads and drops `incoming` (the socket itself, or the request's body) until the client stops or a bound is met. */
  function linger(socket: Duplex, incoming: Readable): void {
    lingering.add(socket);
    const cut = () => { socket.destroy(); };
    const deadline = setTimeout(cut, limits.ms);
    deadline.unref();
    socket.once('close', () => {
      clearTimeout(deadline);
      lingering.delete(socket);
    });
    // A client that resets the connection meanwhile only ends the linger early.
    socket.on('error', () => undefined);
    let read = 0;
    incoming.on('data', (chunk: Buffer) => {
      read += chunk.length;
      if (read > limits.bytes) cut();
    });
    // The client has sent all it meant to (its body, or its side of the connection): nothing is
    // left unread, so closing now resets nothing.
    incoming.once('end', cut);
    socket.once('end', cut);
    incoming.resume();
  }

  /** Past the bound on lingering connections, one closes as node:http closes it: as soon as its answer is out. */
  const full = () => lingering.size >= limits.connections;

  return {
    answer(socket, status, jsonBody, options = {}) {
      // node:http's own listener would hand the bytes to its parser; a listener of ours makes it
      // stop consuming the socket and leave them to us.
      socket.removeAllListeners('data');
      socket.end(rawHttpAnswer(status, jsonBody, options));
      if (full()) socket.once('finish', () => { socket.destroy(); });
      else linger(socket, socket);
    },
    watch(req, res) {
      const socket = req.socket;
      // Flowing before node:http finishes the response, or it "dumps" the body: drops it without a 'data' event to count.
      res.once('prefinish', () => { if (!req.complete) req.resume(); });
      // After node:http's own 'finish' listener, which ends the socket when the response closes the connection.
      res.once('finish', () => {
        if (req.complete || !socket.writableEnded || socket.destroyed || full()) return;
        // node:http destroys the socket once that end is flushed (net's destroySoon): that destroy,
        // with the body unread, is the reset the linger is for.
        // eslint-disable-next-line @typescript-eslint/unbound-method -- the very listener destroySoon added, to take it off
        socket.removeListener('finish', socket.destroy);
        // The body goes on through node:http's parser, which drops it: the request is answered.
        linger(socket, req);
      });
    },
    has: (socket) => lingering.has(socket),
  };
}
