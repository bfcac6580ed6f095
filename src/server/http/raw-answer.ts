import { STATUS_CODES } from 'node:http';

/**
 * A whole HTTP/1.1 answer with a JSON body; the connection closes after it. The answer to a HEAD
 * request has the body's headers and no body: a client would take the body for garbage.
 */
export function rawHttpAnswer(status: number, jsonBody: string, options: RawAnswerOptions = {}): string {
  const extra = Object.entries(options.headers ?? {}).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${extra}` +
    `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(jsonBody)}\r\nConnection: close\r\n\r\n${options.toHead ? '' : jsonBody}`
  );
}

export interface RawAnswerOptions {
  /** The answer to a HEAD request: headers only. */
  toHead?: boolean;
  /** More headers (Retry-After), written as given: names and values of our own, never a client's. */
  headers?: Record<string, string>;
}
