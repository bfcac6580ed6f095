import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../logger.js';
import type { AuditService } from '../services/audit/audit.service.js';
import type { OriginPolicy } from './origin-policy.js';
import type { RefusalAuditGate } from '../services/audit/refusal-audit-gate.js';
import type { RequestScope } from './request-scope.js';
import { TRPC_PATH } from './paths.js';
import { errorBody } from './json-response.js';
import type { LingeringClose } from './lingering-close.js';

/** What an upgrade is checked against before it becomes a socket. */
export interface UpgradeGuardOptions {
  log: Logger;
  audit: AuditService;
  refusalGate: RefusalAuditGate;
  originPolicy: OriginPolicy;
  /** Refused upgrades close through it: their client may still be sending a body. */
  lingering: LingeringClose;
  /** Upgrades this instance admits per second (WS_MAX_UPGRADES_PER_SECOND); past it: 503 with Retry-After. */
  maxUpgradesPerSecond: number;
}

/** The upgrade's path and Origin; refused (and a foreign origin audited) when wrong. */
export function checkUpgrade(opts: UpgradeGuardOptions, req: IncomingMessage, socket: Duplex, scope: RequestScope): boolean {
  if (scope.url.pathname !== TRPC_PATH) {
    refuseUpgrade(opts, socket, scope, 404, 'NOT_FOUND', `WebSocket connections are served at ${TRPC_PATH} only.`);
    return false;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !opts.originPolicy.isAllowed(origin, req)) {
    refuseUpgrade(opts, socket, scope, 403, 'FORBIDDEN', `WebSocket connections from ${origin} are not allowed.`);
    auditOriginRefusal(opts, req, scope, origin).catch((error: unknown) => { opts.log.error({ err: error }, 'audit of a refused upgrade failed'); });
    return false;
  }
  return true;
}

async function auditOriginRefusal(opts: UpgradeGuardOptions, req: IncomingMessage, scope: RequestScope, origin: string): Promise<void> {
  if (!(await opts.refusalGate.shouldRecord('origin.rejected', scope.ip))) return;
  await opts.audit.record({
    event: 'origin.rejected',
    outcome: 'refused',
    actor: { ip: scope.ip, userAgent: req.headers['user-agent'] ?? null, requestId: scope.requestId },
    metadata: { origin: origin.slice(0, 200), method: 'WEBSOCKET', path: scope.url.pathname },
  });
}

/** Ends an upgrade with a plain HTTP answer, before any WebSocket frame is read. */
export function refuseUpgrade(opts: UpgradeGuardOptions, socket: Duplex, scope: RequestScope, status: number, code: string, message: string, headers?: Record<string, string>): void {
  opts.lingering.answer(socket, status, JSON.stringify(errorBody(status, code, message, scope.requestId)), { headers });
}

/**
 * When a server of several goes away, its tabs all come back at once to the others: each admits
 * them at a bounded rate, and the rest wait (their clients back off with jitter) instead of the
 * wave taking the survivor down too.
 */
export function upgradeAdmission(opts: UpgradeGuardOptions): (socket: Duplex, scope: RequestScope) => Promise<boolean> {
  const admission = new RateLimiterMemory({ points: opts.maxUpgradesPerSecond, duration: 1 });
  return async (socket, scope) => {
    try {
      await admission.consume('upgrades');
      return true;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      refuseUpgrade(opts, socket, scope, 503, 'SERVICE_UNAVAILABLE', `The server is taking many connections at once. Please try again in ${seconds} second${seconds === 1 ? '' : 's'}.`, { 'Retry-After': String(seconds) });
      return false;
    }
  };
}
