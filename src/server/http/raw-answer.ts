import { STATUS_CODES } from 'node:http';

/**
 * A whole HTTP/1.1 answer with a JSON body; the connection closes after it. The answer to a HEAD
 * request has the body's headers and no body: a client would take the body for garbage.
 */
export function rawHttpAnswer(status: number, jsonBody: string, toHead = false): string {
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(jsonBody)}\r\nConnection: close\r\n\r\n${toHead ? '' : jsonBody}`
  );
}
