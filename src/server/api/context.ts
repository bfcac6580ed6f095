import type { Logger } from '../logger.js';
import type { Actor } from '../services/actor.js';
import type { AuditService } from '../services/audit/audit.service.js';
import type { SessionService } from '../services/session/session.service.js';
import type { ChatService } from '../services/chat/chat.service.js';
import type { FilesService } from '../services/files/files.service.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { CheckedLimits } from '../security/checked-limits.js';
import type { RateLimits } from '../security/rate-limits.js';
import type { RefusalAuditGate } from '../services/audit/refusal-audit-gate.js';
import type { SessionValidationLimits } from '../security/session-validation-limits.js';
import type { AdminGate } from '../security/admin-gate.js';
import type { AdminOverviewService } from '../services/admin/admin-overview.service.js';
import type { AuditBrowser } from '../services/admin/audit-browser.js';

/** What the procedures are given: the services, built once by the composition root. */
export interface ApiDeps {
  log: Logger;
  sessions: SessionService;
  audit: AuditService;
  chat: ChatService;
  files: FilesService;
  events: EventBus;
  rateLimits: RateLimits;
  /** Validations of a session by its own credential, per session (see validationBudget). */
  validationLimits: SessionValidationLimits;
  refusalGate: RefusalAuditGate;
  /** The operator's side: the admin token's gate and what it opens. */
  admin: AdminDeps;
}

/** What the admin procedures are given. */
export interface AdminDeps {
  gate: AdminGate;
  audit: AuditBrowser;
  overview: AdminOverviewService;
}

/** How a procedure answers beyond its output. Over WebSocket there are no headers to set. */
export interface ResponseControl {
  setCredential(credential: string): void;
  clearCredential(): void;
  setHeader(name: string, value: string): void;
}

export interface ApiContext {
  deps: ApiDeps;
  actor: Actor & { ip: string };
  /** The credential cookie as the request (or the WebSocket upgrade) carried it. */
  credential: string | undefined;
  /**
   * The admin token the caller sent, if any: the Authorization header (Bearer or Basic) over HTTP and
   * on the WebSocket upgrade, or the `adminToken` connection parameter (browsers cannot set headers
   * on a WebSocket). Only `adminProcedure` reads it.
   */
  adminCredential: string | undefined;
  transport: 'http' | 'ws';
  response: ResponseControl;
  /** A WebSocket's own budget of live subscriptions; absent over HTTP. */
  subscriptions?: SubscriptionBudget;
  /** The limits this call has been checked against so far: set by the rate-limit middlewares, absent before the first. */
  checkedLimits?: CheckedLimits;
}

export interface SubscriptionBudget {
  active: number;
  readonly max: number;
}
