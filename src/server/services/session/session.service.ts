import { randomUUID } from 'node:crypto';
import { Op, UniqueConstraintError, type Transaction } from 'sequelize';
import type { SessionView, ValidateResult } from '../../../shared/session.js';
import type { Database } from '../../db/database.js';
import type { UserSessionAttributes } from '../../db/models/user-session.js';
import { findSessionById, findSessionByTokenHash } from '../../db/session-reads.js';
import type { Actor, Clock } from '../actor.js';
import type { AuditEntry, AuditService } from '../audit/audit.service.js';
import type { EventPublisher } from '../event-publisher.js';
import { credentialMatches, hashCredential, isCredentialShaped, newCredential } from './credential.js';
import { SessionAccessError, SessionGenerationError } from './session.errors.js';
import { SessionToucher } from './session-toucher.js';
import { toSessionView } from './session.view.js';

export interface SessionServiceOptions {
  db: Database;
  audit: AuditService;
  events: EventPublisher;
  clock: Clock;
  idleTtlMs: number;
  maxAgeMs: number;
  /** Injectable so that tests can force a collision. */
  newId?: () => string;
  newCredential?: () => string;
  maxGenerateAttempts?: number;
  /** `last_seen_at` is written at most this often per session. */
  touchIntervalMs?: number;
}

/** A new credential travels with the session it opens; the caller hands it to the browser. */
export interface IssuedSession {
  session: SessionView;
  credential: string;
}

export interface ValidateOutcome {
  result: ValidateResult;
  /** The caller presented the credential of a session that has ended: the browser should drop it. */
  clearCredential: boolean;
}

/** One validation, on one read of the session (SessionService.prepareValidation). */
export interface PreparedValidation {
  /** The caller's credential is the one the session was issued with, whatever its state now. */
  readonly ownCredential: boolean;
  /** The answer `validate` gives, from the session as it was read. */
  answer(actor: Actor): Promise<ValidateOutcome>;
}

const ENDED = new Set(['reset', 'expired']);

/** Any UUID (v4 or v7). Anything else names no session and is never sent to the database. */
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the audit keeps of an id that named no session: a UUID as asked; anything else is free text (a pasted cookie, a megabyte of junk) and is not kept. */
function requestedIdFacts(sessionId: string): { requestedId: string } | { malformedId: true } {
  return UUID_SHAPE.test(sessionId) ? { requestedId: sessionId } : { malformedId: true };
}

export class SessionService {
  private readonly newId: () => string;
  private readonly newCredential: () => string;
  private readonly maxGenerateAttempts: number;
  private readonly touchIntervalMs: number;
  private readonly toucher: SessionToucher;

  constructor(private readonly opts: SessionServiceOptions) {
    this.toucher = new SessionToucher(opts.db);
    this.newId = opts.newId ?? randomUUID;
    this.newCredential = opts.newCredential ?? newCredential;
    this.maxGenerateAttempts = opts.maxGenerateAttempts ?? 5;
    this.touchIntervalMs = opts.touchIntervalMs ?? 60_000;
  }

  private get models() {
    return this.opts.db.models;
  }

  /** Opens a session. Retries on a unique-key collision, and gives up after a bounded number of tries. */
  async generate(actor: Actor): Promise<IssuedSession> {
    for (let attempt = 1; attempt <= this.maxGenerateAttempts; attempt += 1) {
      const issued = await this.opts.db.transaction((t) => this.insertSession(t)).catch((error: unknown) => {
        if (error instanceof UniqueConstraintError) return null;
        throw error;
      });
      if (issued) {
        await this.opts.audit.record(this.generatedEntry(issued, actor, { attempt }));
        return issued;
      }
    }
    await this.opts.audit.record({ event: 'session.generated', outcome: 'failure', actor, metadata: { attempts: this.maxGenerateAttempts } });
    throw new SessionGenerationError(this.maxGenerateAttempts);
  }

  /** Answers whether `sessionId` can be used by the holder of `credential`; never throws for a bad session. */
  async validate(sessionId: string, credential: string | undefined, actor: Actor): Promise<ValidateOutcome> {
    return (await this.prepareValidation(sessionId, credential)).answer(actor);
  }

  /**
   * A validation in two steps on one read of the session: first whether `credential` is the one
   * the session was issued with (whatever state it is in now: asking is then no guess, and the
   * caller can choose a budget by it), then the answer. A call with no credential proves nothing,
   * and reads the session only to answer. Reads only, until answered.
   */
  async prepareValidation(sessionId: string, credential: string | undefined): Promise<PreparedValidation> {
    const row = credential === undefined ? undefined : await this.findSession(sessionId);
    const ownCredential = row ? credentialMatches(credential, row.tokenHash) : false;
    return {
      ownCredential,
      answer: async (actor) => {
        if (row !== undefined) return this.answerValidation(sessionId, row, credential, ownCredential, actor);
        // No credential: nothing to compare, and the session is read only to answer.
        return this.answerValidation(sessionId, await this.findSession(sessionId), credential, false, actor);
      },
    };
  }

  /** `owns`: whether `credential` is the session's own, already worked out from `row`. */
  private async answerValidation(sessionId: string, row: UserSessionAttributes | null, credential: string | undefined, owns: boolean, actor: Actor): Promise<ValidateOutcome> {
    const denial = row ? await this.denialFor(row, credential, actor, owns) : 'not_found';
    if (!row || denial) {
      await this.opts.audit.record({
        event: 'session.validation_failed',
        outcome: 'failure',
        sessionId: row ? sessionId : null,
        actor,
        metadata: row ? { reason: denial } : { reason: denial, ...requestedIdFacts(sessionId) },
      });
      const reason = denial === 'unauthenticated' || denial === null ? 'forbidden' : denial;
      const ownEnded = row !== null && reason !== 'forbidden' && owns && !(await this.replacedByLiveSession(row));
      return { result: { valid: false, reason }, clearCredential: ownEnded };
    }
    // The answer changes nothing, so it does not wait for its row: the row is queued into the chain, in order.
    this.opts.audit.enqueue({ event: 'session.validated', outcome: 'success', sessionId, actor });
    const touched = await this.touch(row);
    const session = toSessionView(row);
    if (touched) this.opts.events.publish(sessionId, { type: 'session.validated', session });
    return { result: { valid: true, session }, clearCredential: false };
  }

  /** Ends the session and opens its replacement in one transaction; the credential rotates. */
  async reset(sessionId: string, credential: string | undefined, actor: Actor): Promise<IssuedSession> {
    const current = await this.authorizeIn(sessionId, credential, actor);
    const now = this.opts.clock();
    const issued = await this.opts.db.transaction(async (t) => {
      const replacement = await this.insertSession(t);
      const [ended] = await this.models.UserSession.update(
        { status: 'reset', endedAt: now, replacedBy: replacement.session.sessionId, version: current.version + 1 },
        { where: { id: sessionId, status: 'active', version: current.version }, transaction: t },
      );
      // Another tab reset it (or it expired) between our read and this write: that stands, ours rolls back.
      if (ended !== 1) throw new SessionAccessError('reset');
      return replacement;
    });
    // Recorded once the change has committed (so the chain's lock is never held across it), in one group commit, in this order.
    await Promise.all([
      this.opts.audit.record(this.generatedEntry(issued, actor, { replaces: sessionId })),
      this.opts.audit.record({ event: 'session.reset', outcome: 'success', sessionId, actor, metadata: { newSessionId: issued.session.sessionId } }),
    ]);
    this.opts.events.publish(sessionId, { type: 'session.reset', sessionId, newSessionId: issued.session.sessionId, at: now.toISOString() });
    return issued;
  }

  /** The session the credential opens, or null; an ended session's credential is reported for clearing (see replacedByLiveSession). */
  async current(credential: string | undefined): Promise<{ session: SessionView | null; clearCredential: boolean }> {
    if (credential === undefined) return { session: null, clearCredential: false };
    if (!isCredentialShaped(credential)) return { session: null, clearCredential: true };
    const row = await findSessionByTokenHash(this.opts.db, hashCredential(credential));
    if (!row) return { session: null, clearCredential: true };
    const denial = await this.denialFor(row, credential, null);
    if (denial) return { session: null, clearCredential: !(await this.replacedByLiveSession(row)) };
    await this.touch(row);
    return { session: toSessionView(row), clearCredential: false };
  }

  /**
   * The gate of every procedure that reads or changes a session: the credential must own it and it
   * must be live. Throws SessionAccessError with the reason otherwise.
   */
  async authorize(sessionId: string, credential: string | undefined, actor: Actor | null = null): Promise<SessionView> {
    const row = await this.authorizeIn(sessionId, credential, actor);
    await this.touch(row);
    return toSessionView(row);
  }

  /** Marks sessions whose idle or absolute lifetime has run out as expired; returns their ids. */
  async expireDue(actor: Actor, limit = 500): Promise<string[]> {
    const now = this.opts.clock();
    const due = await this.models.UserSession.findAll({
      attributes: ['id', 'version'],
      where: { status: 'active', expiresAt: { [Op.lte]: now } },
      order: [['expiresAt', 'ASC']],
      limit,
    });
    const expired: string[] = [];
    for (const row of due) {
      if (await this.expire(row, actor)) expired.push(row.id);
    }
    return expired;
  }

  private async authorizeIn(sessionId: string, credential: string | undefined, actor: Actor | null): Promise<UserSessionAttributes> {
    if (credential === undefined) throw new SessionAccessError('unauthenticated');
    const row = await this.findSession(sessionId);
    if (!row) throw new SessionAccessError('not_found');
    const denial = await this.denialFor(row, credential, actor);
    if (denial === 'reset' || denial === 'expired') throw new SessionAccessError(denial, await this.ownsEnded(row, credential));
    if (denial) throw new SessionAccessError(denial);
    return row;
  }

  /**
   * Whether `credential` belongs to the ended session or to the session its reset opened: a tab
   * whose cookie already rotated is still the owner, while an id alone (with any cookie) is not.
   */
  private async ownsEnded(row: UserSessionAttributes, credential: string): Promise<boolean> {
    if (credentialMatches(credential, row.tokenHash)) return true;
    if (!row.replacedBy) return false;
    const replacement = await findSessionById(this.opts.db, row.replacedBy);
    return replacement !== null && credentialMatches(credential, replacement.tokenHash);
  }

  /**
   * Whether `row` was reset into a session that is still live. Its credential is then not cleared:
   * the reset's answer hands the browser the replacement's credential, and a request that browser
   * sent before that answer landed (another tab following the reset, a page loading) still carries
   * the old one; clearing it would clear the new cookie. A browser that missed the answer holds a
   * credential that opens nothing, which its next session replaces.
   */
  private async replacedByLiveSession(row: UserSessionAttributes): Promise<boolean> {
    if (row.status !== 'reset' || !row.replacedBy) return false;
    const replacement = await findSessionById(this.opts.db, row.replacedBy);
    return replacement !== null && replacement.status === 'active' && replacement.expiresAt.getTime() > this.opts.clock().getTime();
  }

  /**
   * The session named by `sessionId`, or null. A string that is not a UUID names none: PostgreSQL
   * would reject it as a uuid and SQLite cuts the statement at a NUL byte, so it never reaches a query.
   */
  private async findSession(sessionId: string): Promise<UserSessionAttributes | null> {
    if (!UUID_SHAPE.test(sessionId)) return null;
    return findSessionById(this.opts.db, sessionId);
  }

  /**
   * Why `row` cannot be used with `credential`, or null if it can. An ended session says how it
   * ended to anyone holding its id (that grants nothing); a live one is only opened by its credential.
   * A session found past its expiry is expired on the spot. `owns` is the credential's comparison
   * with the row, when the caller has already made it.
   */
  private async denialFor(row: UserSessionAttributes, credential: string | undefined, actor: Actor | null, owns = credentialMatches(credential, row.tokenHash)) {
    if (row.status === 'active' && row.expiresAt.getTime() <= this.opts.clock().getTime()) {
      await this.expire(row, actor ?? { ip: null, userAgent: null, requestId: null });
      row.status = 'expired';
    }
    if (ENDED.has(row.status)) return row.status as 'reset' | 'expired';
    if (credential === undefined) return 'unauthenticated' as const;
    if (!owns) return 'forbidden' as const;
    return null;
  }

  private async expire(row: Pick<UserSessionAttributes, 'id' | 'version'>, actor: Actor): Promise<boolean> {
    const now = this.opts.clock();
    const changed = await this.opts.db.transaction(async (t) => {
      const [count] = await this.models.UserSession.update(
        { status: 'expired', endedAt: now, version: row.version + 1 },
        { where: { id: row.id, status: 'active' }, transaction: t },
      );
      return count === 1;
    });
    if (changed) await this.opts.audit.record({ event: 'session.expired', outcome: 'success', sessionId: row.id, actor });
    if (changed) this.opts.events.publish(row.id, { type: 'session.expired', sessionId: row.id, at: now.toISOString() });
    return changed;
  }

  /** Refreshes last_seen_at (and with it the idle expiry) at most once per interval; says whether it wrote. */
  private async touch(row: UserSessionAttributes): Promise<boolean> {
    const now = this.opts.clock();
    if (now.getTime() - row.lastSeenAt.getTime() < this.touchIntervalMs) return false;
    const expiresAt = this.expiryFor(row.createdAt, now);
    await this.toucher.touch(row.id, now, expiresAt);
    row.lastSeenAt = now;
    row.expiresAt = expiresAt;
    return true;
  }

  private expiryFor(createdAt: Date, lastSeenAt: Date): Date {
    return new Date(Math.min(lastSeenAt.getTime() + this.opts.idleTtlMs, createdAt.getTime() + this.opts.maxAgeMs));
  }

  private async insertSession(t: Transaction): Promise<IssuedSession> {
    const now = this.opts.clock();
    const credential = this.newCredential();
    const row = await this.models.UserSession.create(
      { id: this.newId(), tokenHash: hashCredential(credential), status: 'active', createdAt: now, lastSeenAt: now, expiresAt: this.expiryFor(now, now), version: 1 },
      { transaction: t },
    );
    return { session: toSessionView(row), credential };
  }

  private generatedEntry(issued: IssuedSession, actor: Actor, metadata: Record<string, string | number>): AuditEntry {
    return { event: 'session.generated', outcome: 'success', sessionId: issued.session.sessionId, actor, metadata };
  }
}
