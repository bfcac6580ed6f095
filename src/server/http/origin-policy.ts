import type { IncomingMessage } from 'node:http';
import type { SecureRequestTest } from './request-security.js';

/**
 * Which browser origins may call the API with the visitor's credential: the app's own origin (the
 * scheme the request really arrived by, and the host it was addressed to) and those listed in
 * CORS_ORIGINS. The scheme counts: behind TLS, `http://<app host>` is a page an attacker on the
 * network can serve, not the app.
 */
export class OriginPolicy {
  private readonly listed: ReadonlySet<string>;

  constructor(
    corsOrigins: readonly string[],
    private readonly isSecure: SecureRequestTest,
  ) {
    this.listed = new Set(corsOrigins);
  }

  isAllowed(origin: string, req: IncomingMessage): boolean {
    if (this.listed.has(origin)) return true;
    const host = req.headers.host;
    if (!host) return false;
    try {
      const own = new URL(`${this.isSecure(req) ? 'https' : 'http'}://${host}`);
      const asked = new URL(origin);
      // Compared as URLs: a default port is the same origin written with or without it.
      return asked.protocol === own.protocol && asked.host === own.host;
    } catch {
      return false;
    }
  }
}
