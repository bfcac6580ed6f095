import type { ServerResponse } from 'node:http';
import { errorBody, sendError } from './json-response.js';

/**
 * The URL of a request target, or undefined when it names none we can serve. Node hands the
 * target over as the client wrote it: origin-form (`/path?q`) or absolute-form
 * (`http://host/path`, which clients must send to proxies and servers must accept). Anything else
 * (`*`, garbage, a port past 65535) is the client's mistake, and so is a path that starts with
 * `//`: URL parsers read it as an authority (`//a:99999/`), and no browser sends one.
 */
export function parseRequestTarget(target: string | undefined): URL | undefined {
  const raw = target ?? '/';
  try {
    if (raw.startsWith('//')) return undefined;
    if (raw.startsWith('/')) return new URL(`http://localhost${raw}`);
    if (/^https?:\/\//i.test(raw)) {
      const absolute = new URL(raw);
      return new URL(`http://localhost${absolute.pathname}${absolute.search}`);
    }
  } catch {
    return undefined;
  }
  return undefined;
}

const BAD_TARGET_MESSAGE = 'The request target is not a valid URL path. Send a path such as /api/trpc/session.current.';

/** Answers a request whose target is no URL (400), and closes its connection. */
export function refuseRequestTarget(res: ServerResponse, requestId: string): void {
  res.setHeader('X-Request-Id', requestId);
  res.setHeader('Connection', 'close');
  sendError(res, 400, 'BAD_REQUEST', BAD_TARGET_MESSAGE, requestId);
}

/** The body of that 400, for an upgrade answered on the raw socket. */
export function badTargetBody(requestId: string): string {
  return JSON.stringify(errorBody(400, 'BAD_REQUEST', BAD_TARGET_MESSAGE, requestId));
}
