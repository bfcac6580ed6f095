import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { SessionGenerationError } from '../../src/server/services/session/session.errors.js';
import { sessionViewSchema } from '../../src/shared/session.js';
import { DATABASE_KINDS } from '../support/databases.js';
import {
  auditRowsFor,
  auditRowsOf,
  countSessions,
  CREDENTIAL_SHAPE,
  HOUR,
  IDLE_TTL_MS,
  ISO_UTC,
  only,
  rejectionOf,
  sessionRow,
  sha256Hex,
  START,
  storedTokenHash,
  useSessionService,
} from './support/session-fixtures.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A generator that hands out the given values in order, then fails the test if asked again. */
function sequence(values: string[]): { next: () => string; readonly calls: number } {
  let calls = 0;
  return {
    next: () => {
      const value = values[calls];
      calls += 1;
      if (value === undefined) throw new Error(`generator asked ${calls} times, only ${values.length} values`);
      return value;
    },
    get calls() {
      return calls;
    },
  };
}

describe.each(DATABASE_KINDS)('SessionService.generate on %s', (kind) => {
  const h = useSessionService(kind);

  it('answers a SessionView of a new active session, with ISO 8601 UTC times from the clock', async () => {
    const { session } = await h.service.generate(h.actor);

    expect(sessionViewSchema.parse(session)).toEqual(session);
    expect(Object.keys(session).sort()).toEqual(['createdAt', 'expiresAt', 'lastSeenAt', 'sessionId', 'status', 'version']);
    expect(session.sessionId).toMatch(UUID_V4);
    expect(session.status).toBe('active');
    expect(session.version).toBe(1);
    for (const time of [session.createdAt, session.lastSeenAt, session.expiresAt]) expect(time).toMatch(ISO_UTC);
    expect(session.createdAt).toBe(START.toISOString());
    expect(session.lastSeenAt).toBe(START.toISOString());
    expect(session.expiresAt).toBe(new Date(START.getTime() + IDLE_TTL_MS).toISOString());
  });

  it('stores the row exactly as the view describes it', async () => {
    h.clock.advance(1234);
    const { session } = await h.service.generate(h.actor);
    const row = await sessionRow(h.db, session.sessionId);

    expect(row).toMatchObject({ id: session.sessionId, status: 'active', endedAt: null, replacedBy: null, version: 1 });
    expect(row.createdAt.toISOString()).toBe(session.createdAt);
    expect(row.lastSeenAt.toISOString()).toBe(session.lastSeenAt);
    expect(row.expiresAt.toISOString()).toBe(session.expiresAt);
    expect(row.createdAt.getTime()).toBe(START.getTime() + 1234);
  });

  it('sets the expiry to the earlier of the idle and the absolute lifetime', async () => {
    const idleFirst = await h.makeService({ idleTtlMs: HOUR, maxAgeMs: 2 * HOUR }).generate(h.actor);
    const ageFirst = await h.makeService({ idleTtlMs: 2 * HOUR, maxAgeMs: HOUR / 2 }).generate(h.actor);
    const equal = await h.makeService({ idleTtlMs: HOUR, maxAgeMs: HOUR }).generate(h.actor);

    expect(idleFirst.session.expiresAt).toBe(new Date(START.getTime() + HOUR).toISOString());
    expect(ageFirst.session.expiresAt).toBe(new Date(START.getTime() + HOUR / 2).toISOString());
    expect(equal.session.expiresAt).toBe(new Date(START.getTime() + HOUR).toISOString());
    expect((await sessionRow(h.db, ageFirst.session.sessionId)).expiresAt.getTime()).toBe(START.getTime() + HOUR / 2);
  });

  it('issues a 43-character base64url credential of 256 bits, different for every session', async () => {
    const issued = await Promise.all([1, 2, 3, 4].map(() => h.service.generate(h.actor)));

    for (const { credential } of issued) {
      expect(credential).toMatch(CREDENTIAL_SHAPE);
      expect(Buffer.from(credential, 'base64url')).toHaveLength(32);
    }
    expect(new Set(issued.map((i) => i.credential)).size).toBe(4);
    expect(new Set(issued.map((i) => i.session.sessionId)).size).toBe(4);
  });

  it('stores only the SHA-256 of the credential, never the credential itself', async () => {
    const { session, credential } = await h.service.generate(h.actor);

    const tokenHash = await storedTokenHash(h.db, session.sessionId);
    expect(tokenHash).not.toBe(credential);
    expect(tokenHash).toBe(sha256Hex(credential));
    expect(tokenHash).toMatch(/^[0-9a-f]{64}$/);

    const raw = await h.db.sequelize.query<Record<string, unknown>>('SELECT * FROM user_sessions WHERE id = :id', {
      replacements: { id: session.sessionId },
      type: QueryTypes.SELECT,
    });
    expect(JSON.stringify(only(raw))).not.toContain(credential);
  });

  it('writes one session.generated audit row, in the name of the actor', async () => {
    h.clock.advance(5000);
    const { session } = await h.service.generate(h.actor);

    const row = only(await auditRowsFor(h.db, session.sessionId));
    expect(row).toMatchObject({
      event: 'session.generated',
      outcome: 'success',
      sessionId: session.sessionId,
      ip: h.actor.ip,
      userAgent: h.actor.userAgent,
      requestId: h.actor.requestId,
      metadata: { attempt: 1 },
    });
    expect(row.createdAt.getTime()).toBe(START.getTime() + 5000);
    expect(h.events.published).toEqual([]);
  });

  it('retries when the generated id is already taken, and succeeds on a later try', async () => {
    const taken = randomUUID();
    const fresh = randomUUID();
    const first = await h.makeService({ newId: () => taken }).generate(h.actor);
    const takenHash = await storedTokenHash(h.db, taken);
    const before = await countSessions(h.db);

    const ids = sequence([taken, taken, fresh]);
    const second = await h.makeService({ newId: ids.next }).generate(h.actor);

    expect(first.session.sessionId).toBe(taken);
    expect(second.session.sessionId).toBe(fresh);
    expect(ids.calls).toBe(3);
    expect(await countSessions(h.db)).toBe(before + 1);
    expect(only(await auditRowsFor(h.db, fresh)).metadata).toEqual({ attempt: 3 });
    // The failed attempts rolled back whole: the taken session and its audit trail are as they were.
    expect(await storedTokenHash(h.db, taken)).toBe(takenHash);
    expect(only(await auditRowsFor(h.db, taken)).metadata).toEqual({ attempt: 1 });
    expect(await storedTokenHash(h.db, fresh)).toBe(sha256Hex(second.credential));
  });

  it('retries when the credential hash collides, and hands out the credential it stored', async () => {
    const repeated = 'A'.repeat(43);
    const other = 'B'.repeat(43);
    const first = await h.makeService({ newCredential: () => repeated }).generate(h.actor);
    const credentials = sequence([repeated, other]);

    const second = await h.makeService({ newCredential: credentials.next }).generate(h.actor);

    expect(first.credential).toBe(repeated);
    expect(second.credential).toBe(other);
    expect(credentials.calls).toBe(2);
    expect(await storedTokenHash(h.db, second.session.sessionId)).toBe(sha256Hex(other));
    expect(only(await auditRowsFor(h.db, second.session.sessionId)).metadata).toEqual({ attempt: 2 });
  });

  it('gives up after maxGenerateAttempts with SessionGenerationError and a failure audit row', async () => {
    const taken = (await h.service.generate(h.actor)).session.sessionId;
    const before = await countSessions(h.db);
    const actor = { ...h.actor, requestId: randomUUID() };
    let calls = 0;

    const error = await rejectionOf(
      h.makeService({
        newId: () => {
          calls += 1;
          return taken;
        },
        maxGenerateAttempts: 3,
      }).generate(actor),
    );

    expect(error).toBeInstanceOf(SessionGenerationError);
    expect(error).toMatchObject({ name: 'SessionGenerationError', attempts: 3 });
    expect((error as Error).message).toMatch(/3 generated ids were already taken/);
    expect(calls).toBe(3);
    expect(await countSessions(h.db)).toBe(before);
    const row = only(await auditRowsOf(h.db, actor));
    expect(row).toMatchObject({ event: 'session.generated', outcome: 'failure', sessionId: null, metadata: { attempts: 3 } });
    expect(h.events.published).toEqual([]);
  });

  it('makes five attempts when maxGenerateAttempts is not given', async () => {
    const taken = (await h.service.generate(h.actor)).session.sessionId;
    const actor = { ...h.actor, requestId: randomUUID() };
    let calls = 0;

    const error = await rejectionOf(
      h.makeService({
        newId: () => {
          calls += 1;
          return taken;
        },
      }).generate(actor),
    );

    expect(error).toBeInstanceOf(SessionGenerationError);
    expect(error).toMatchObject({ attempts: 5 });
    expect(calls).toBe(5);
    expect(only(await auditRowsOf(h.db, actor)).metadata).toEqual({ attempts: 5 });
  });

  it('does not retry a failure that is not a collision', async () => {
    const before = await countSessions(h.db);
    let calls = 0;

    const error = await rejectionOf(
      h.makeService({
        newId: () => {
          calls += 1;
          return 'not-a-uuid';
        },
      }).generate(h.actor),
    );

    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(SessionGenerationError);
    expect(calls).toBe(1);
    expect(await countSessions(h.db)).toBe(before);
    expect(await auditRowsOf(h.db, h.actor)).toEqual([]);
  });
});
