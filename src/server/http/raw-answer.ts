import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** How long a refused connection may take to close its side before it is cut. */
const LINGER_MS = 5_000;

/** A whole HTTP/1.1 answer with a JSON body; the connection closes after it. */
export function rawHttpAnswer(status: number, jsonBody: string): string {
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(jsonBody)}\r\nConnection: close\r\n\r\n${jsonBody}`
  );
}

/**
 * Answers a socket that no ServerResponse owns (an upgrade refused before any WebSocket frame) and
 * lets it go. Whatever the client still sends (a body after the upgrade's headers) is read and
 * dropped: unread bytes would hide the client's FIN, and the socket would never close. A client
 * that keeps sending is cut off after a short linger.
 */
export function answerAndClose(socket: Duplex, status: number, jsonBody: string): void {
  socket.end(rawHttpAnswer(status, jsonBody));
  socket.resume();
  const linger = setTimeout(() => { socket.destroy(); }, LINGER_MS);
  linger.unref();
  socket.once('close', () => { clearTimeout(linger); });
}
