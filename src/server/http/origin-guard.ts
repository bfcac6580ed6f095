import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import type { Logger } from '../logger.js';
import type { RefusalAuditGate } from '../services/audit/refusal-audit-gate.js';
import type { AuditService } from '../services/audit/audit.service.js';
import { sendHostError } from './host-error.js';
import type { OriginPolicy } from './origin-policy.js';
import type { RequestScope } from './request-scope.js';
import { SAFE_METHODS } from './routing.js';

export interface OriginGuardOptions {
  log: Logger;
  audit: AuditService;
  refusalGate: RefusalAuditGate;
  originPolicy: OriginPolicy;
}

/** Answers what the origin rule settles on its own; `true` when it answered (a preflight, a refusal). */
export type OriginGuard = (req: IncomingMessage, res: ServerResponse, scope: RequestScope) => Promise<boolean>;

const EXPOSED_HEADERS = ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Request-Id'];

/**
 * CORS and the origin rule, decided per request by the origin policy: an allowed origin is
 * reflected with credentials, any other gets no CORS header at all, and may not change state
 * here, whatever cookie its request carries.
 */
export function createOriginGuard(opts: OriginGuardOptions): OriginGuard {
  const { log, originPolicy } = opts;
  const corsFor = {
    allowed: cors({ origin: true, credentials: true, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 }),
    refused: cors({ origin: false, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 }),
  };

  async function refuseForeignOrigin(req: IncomingMessage, res: ServerResponse, scope: RequestScope, origin: string): Promise<void> {
    // Recorded before the answer, as every other refusal is, so the row exists once the client hears no.
    try {
      if (await opts.refusalGate.shouldRecord('origin.rejected', scope.ip)) {
        await opts.audit.record({
          event: 'origin.rejected',
          outcome: 'refused',
          actor: { ip: scope.ip, userAgent: req.headers['user-agent'] ?? null, requestId: scope.requestId },
          metadata: { origin: origin.slice(0, 200), method: req.method ?? '', path: scope.url.pathname.slice(0, 200) },
        });
      }
    } catch (error) {
      log.error({ err: error, requestId: scope.requestId }, 'could not record a refused origin');
    }
    sendHostError(res, scope, 403, 'FORBIDDEN', `Requests from ${origin} may not use this app. Open the app from its own address.`);
  }

  return async (req, res, scope) => {
    const origin = req.headers.origin;
    const allowed = origin !== undefined && originPolicy.isAllowed(origin, req);
    await new Promise<void>((resolve, reject) => {
      corsFor[allowed ? 'allowed' : 'refused'](req, res, (error?: unknown) => { if (error) reject(error instanceof Error ? error : new Error("CORS check failed")); else resolve(); });
    });
    if (res.writableEnded) return true; // a preflight, answered by cors
    if (origin !== undefined && !allowed && !SAFE_METHODS.has(req.method ?? 'GET')) {
      await refuseForeignOrigin(req, res, scope, origin);
      return true;
    }
    return false;
  };
}
