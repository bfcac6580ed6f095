import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const ACCEPTABLE = /^[\w.-]{8,64}$/;

export type RequestIdReader = (req: IncomingMessage) => string;

/** An id for a request of our own choosing: every one the server answers has one. */
export function newRequestId(): string {
  return randomUUID();
}

/**
 * Each request's id, joining its log lines, audit rows and the `X-Request-Id` answer. Behind a
 * trusted proxy, a well-formed id the proxy set is kept so logs join up across hops; a client
 * talking to us directly cannot choose the id its audit rows carry.
 */
export function createRequestIdReader(trustForwarded: boolean): RequestIdReader {
  return (req) => {
    const given = trustForwarded ? req.headers['x-request-id'] : undefined;
    return typeof given === 'string' && ACCEPTABLE.test(given) ? given : newRequestId();
  };
}
