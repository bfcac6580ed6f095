import { createHash, randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { createDatabase, type Database } from '../../../src/server/db/database.js';
import type { AuditLogAttributes } from '../../../src/server/db/models/audit-log.js';
import type { UserSessionAttributes } from '../../../src/server/db/models/user-session.js';
import type { Actor } from '../../../src/server/services/actor.js';
import { AuditService } from '../../../src/server/services/audit/audit.service.js';
import type { EventPublisher } from '../../../src/server/services/event-publisher.js';
import { SessionService, type SessionServiceOptions, type ValidateOutcome } from '../../../src/server/services/session/session.service.js';
import type { InvalidReason, SessionView } from '../../../src/shared/session.js';
import { SessionAccessError, type SessionDenial } from '../../../src/server/services/session/session.errors.js';
import type { SessionEvent, SessionEventType } from '../../../src/shared/events.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from '../../support/databases.js';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Where every test's clock starts: a fixed instant, so that expected times are exact. */
export const START = new Date('2030-01-01T00:00:00.000Z');

export const IDLE_TTL_MS = 7 * DAY;
export const MAX_AGE_MS = 30 * DAY;

export const CREDENTIAL_SHAPE = /^[A-Za-z0-9_-]{43}$/;
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A clock the test moves by hand: one mutable Date; the service only ever gets copies of it. */
export class TestClock {
  private readonly current: Date;

  constructor(start: Date = START) {
    this.current = new Date(start.getTime());
  }

  readonly now = (): Date => new Date(this.current.getTime());

  advance(ms: number): Date {
    this.current.setTime(this.current.getTime() + ms);
    return this.now();
  }

  set(at: Date | number): Date {
    this.current.setTime(typeof at === 'number' ? at : at.getTime());
    return this.now();
  }

  get ms(): number {
    return this.current.getTime();
  }
}

export interface PublishedEvent {
  sessionId: string;
  event: SessionEvent;
}

/** An in-memory EventPublisher: keeps every event in the order it was published. */
export class RecordingPublisher implements EventPublisher {
  readonly published: PublishedEvent[] = [];

  publish(sessionId: string, event: SessionEvent): void {
    this.published.push({ sessionId, event });
  }

  ofType<T extends SessionEventType>(type: T, sessionId?: string): (PublishedEvent & { event: Extract<SessionEvent, { type: T }> })[] {
    return this.published.filter(
      (p): p is PublishedEvent & { event: Extract<SessionEvent, { type: T }> } =>
        p.event.type === type && (sessionId === undefined || p.sessionId === sessionId),
    );
  }
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** An actor of its own for each test: its request id finds exactly this test's audit rows. */
export function newActor(): Actor {
  return { ip: '203.0.113.7', userAgent: 'vitest session suite', requestId: randomUUID() };
}

export type ServiceOverrides = Partial<Omit<SessionServiceOptions, 'db' | 'audit' | 'events' | 'clock'>>;

export interface SessionServiceFixture {
  readonly kind: DatabaseKind;
  readonly db: Database;
  readonly audit: AuditService;
  readonly clock: TestClock;
  readonly events: RecordingPublisher;
  readonly actor: Actor;
  /** The service of this test, with the default options. */
  readonly service: SessionService;
  /** Another service on the same database, clock, audit and publisher, with other options. */
  makeService(overrides?: ServiceOverrides): SessionService;
}

interface FixtureState {
  db?: Database;
  testDb?: TestDatabase;
  audit?: AuditService;
  clock?: TestClock;
  events?: RecordingPublisher;
  actor?: Actor;
  service?: SessionService;
}

function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not ready: use it inside a test`);
  return value;
}

/**
 * A fresh, migrated database for the enclosing describe block (a new SQLite file, or a new
 * PostgreSQL database), and for each test a new clock at START, a new publisher, a new actor and
 * a new SessionService.
 */
export function useSessionService(kind: DatabaseKind, defaults: ServiceOverrides = {}): SessionServiceFixture {
  const state: FixtureState = {};

  beforeAll(async () => {
    state.testDb = await createTestDatabase(kind);
    state.db = createDatabase(state.testDb.url);
    await state.db.migrate();
  });

  // Each test's queued audit rows commit before the next test reads the log, and before the database closes.
  afterEach(async () => {
    await state.audit?.close();
  });

  afterAll(async () => {
    await state.db?.close();
    await state.testDb?.drop();
  });

  const build = (overrides: ServiceOverrides = {}): SessionService =>
    new SessionService({
      db: defined(state.db, 'database'),
      audit: defined(state.audit, 'audit service'),
      events: defined(state.events, 'publisher'),
      clock: defined(state.clock, 'clock').now,
      idleTtlMs: IDLE_TTL_MS,
      maxAgeMs: MAX_AGE_MS,
      ...defaults,
      ...overrides,
    });

  beforeEach(() => {
    state.clock = new TestClock();
    state.events = new RecordingPublisher();
    state.actor = newActor();
    state.audit = new AuditService({ db: defined(state.db, 'database'), clock: state.clock.now });
    state.service = build();
  });

  return {
    kind,
    get db() {
      return defined(state.db, 'database');
    },
    get audit() {
      return defined(state.audit, 'audit service');
    },
    get clock() {
      return defined(state.clock, 'clock');
    },
    get events() {
      return defined(state.events, 'publisher');
    },
    get actor() {
      return defined(state.actor, 'actor');
    },
    get service() {
      return defined(state.service, 'service');
    },
    makeService: build,
  };
}

/** The session's row as the database holds it now (through the model: typed, dates as Dates). */
export async function sessionRow(db: Database, id: string): Promise<UserSessionAttributes> {
  const row = await db.models.UserSession.findByPk(id);
  if (!row) throw new Error(`no user_sessions row ${id}`);
  return row.get({ plain: true });
}

/** The stored token hash, read with plain SQL from the column itself. */
export async function storedTokenHash(db: Database, id: string): Promise<string> {
  const rows = await db.sequelize.query<{ token_hash: string }>('SELECT token_hash FROM user_sessions WHERE id = :id', {
    replacements: { id },
    type: QueryTypes.SELECT,
  });
  expect(rows).toHaveLength(1);
  return only(rows).token_hash;
}

export async function countSessions(db: Database): Promise<number> {
  return db.models.UserSession.count();
}

/** The audit rows of one actor (one test), oldest first, as plain objects. */
export async function auditRowsOf(db: Database, actor: Actor): Promise<AuditLogAttributes[]> {
  const rows = await db.models.AuditLog.findAll({ where: { requestId: actor.requestId }, order: [['id', 'ASC']] });
  return rows.map((row) => row.get({ plain: true }));
}

/** The audit rows of one session, oldest first, as plain objects. */
export async function auditRowsFor(db: Database, sessionId: string): Promise<AuditLogAttributes[]> {
  const rows = await db.models.AuditLog.findAll({ where: { sessionId }, order: [['id', 'ASC']] });
  return rows.map((row) => row.get({ plain: true }));
}

export function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  const [item] = items;
  if (item === undefined) throw new Error('expected exactly one item');
  return item;
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  let outcome: { resolved: true } | { resolved: false; error: unknown };
  try {
    await promise;
    outcome = { resolved: true };
  } catch (error) {
    outcome = { resolved: false, error };
  }
  if (outcome.resolved) throw new Error('expected the promise to reject, but it resolved');
  return outcome.error;
}

/** Counts Model.update calls on user_sessions (every write the service makes to a session row). */
export function countSessionWrites(db: Database): { readonly count: number; stop(): void } {
  const name = `count-writes-${randomUUID()}`;
  let count = 0;
  db.models.UserSession.addHook('afterBulkUpdate', name, () => {
    count += 1;
  });
  return {
    get count() {
      return count;
    },
    stop() {
      db.models.UserSession.removeHook('afterBulkUpdate', name);
    },
  };
}

/** The session of a valid answer; fails the test otherwise. */
export function validSession(outcome: ValidateOutcome): SessionView {
  if (!outcome.result.valid) throw new Error(`expected a valid session, got reason ${outcome.result.reason}`);
  expect(outcome.clearCredential).toBe(false);
  return outcome.result.session;
}

/** Checks an invalid answer: its reason and whether the browser is told to drop its credential. */
export function expectInvalid(outcome: ValidateOutcome, reason: InvalidReason, clearCredential: boolean): void {
  expect(outcome).toEqual({ result: { valid: false, reason }, clearCredential });
}

/** Checks that `promise` rejects with a SessionAccessError of this reason. */
export async function expectAccessError(promise: Promise<unknown>, reason: SessionDenial): Promise<SessionAccessError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(SessionAccessError);
  if (!(error instanceof SessionAccessError)) throw new Error('expected a SessionAccessError', { cause: error });
  expect(error).toMatchObject({ name: 'SessionAccessError', reason });
  return error;
}
