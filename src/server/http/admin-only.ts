import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendHostError } from './host-error.js';
import type { RequestScope, RouteHandler } from './host.js';
import { adminCredentialFrom } from './admin-credential.js';
import type { AdminGate } from '../security/admin-gate.js';

export interface AdminRouteOptions {
  /**
   * Ask for Basic credentials on a 401, so that a browser shows its own login prompt (the queue
   * dashboard). Scrapers and scripts send Bearer and need no prompt.
   */
  browserPrompt?: boolean;
}

const ADMIN_ANSWER_HEADERS: readonly (readonly [string, string])[] = [
  ['Cache-Control', 'no-store'],
  ['Content-Security-Policy', "frame-ancestors 'none'"],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Content-Type-Options', 'nosniff'],
];

/** Lets `handle` answer only callers holding the admin token; the others hear why not. */
export function adminOnly(gate: AdminGate, handle: RouteHandler, options: AdminRouteOptions = {}): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse, scope: RequestScope) => {
    const credential = adminCredentialFrom(req.headers.authorization);
    const actor = { ip: scope.ip, userAgent: req.headers['user-agent'] ?? null, requestId: scope.requestId };
    const decision = await gate.check(credential, actor);
    // Admin answers, allowed or not, are never cached, framed or referred on: the dashboard's
    // buttons pause, clean and retry queues, and must not be clickable inside another page.
    for (const [name, value] of ADMIN_ANSWER_HEADERS) res.setHeader(name, value);
    if (decision.allowed) {
      await handle(req, res, scope);
      return;
    }
    switch (decision.reason) {
      case 'disabled':
        sendHostError(res, scope, 404, 'NOT_FOUND', `Nothing is served at ${req.method ?? ''} ${scope.url.pathname}.`);
        return;
      case 'limited':
        res.setHeader('Retry-After', String(decision.retryAfterSeconds));
        sendHostError(res, scope, 429, 'TOO_MANY_REQUESTS', `Too many wrong admin tokens from your network. Please wait ${decision.retryAfterSeconds} seconds and try again.`);
        return;
      default:
        if (options.browserPrompt) res.setHeader('WWW-Authenticate', 'Basic realm="Tabsync admin", charset="UTF-8"');
        else res.setHeader('WWW-Authenticate', 'Bearer realm="Tabsync admin"');
        sendHostError(res, scope, 401, 'UNAUTHORIZED', decision.reason === 'missing'
          ? 'This page is for the administrator. Send the admin token as Authorization: Bearer <token>.'
          : 'The admin token is wrong. Check ADMIN_TOKEN and send it as Authorization: Bearer <token>.');
    }
  };
}
