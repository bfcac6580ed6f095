import { describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/server/services/actor.js';
import { DATABASE_KINDS } from '../support/databases.js';
import {
  auditRowsFor,
  DAY,
  expectAccessError,
  expectInvalid,
  HOUR,
  IDLE_TTL_MS,
  MINUTE,
  only,
  sessionRow,
  START,
  useSessionService,
  validSession,
} from './support/session-fixtures.js';

describe.each(DATABASE_KINDS)('SessionService expiry on %s', (kind) => {
  const h = useSessionService(kind);

  it('idle expiry: valid 1 ms before the boundary, expired exactly at it', async () => {
    const early = await h.service.generate(h.actor);
    const late = await h.service.generate(h.actor);
    const boundary = START.getTime() + IDLE_TTL_MS;
    expect(early.session.expiresAt).toBe(new Date(boundary).toISOString());

    h.clock.set(boundary - 1);
    validSession(await h.service.validate(early.session.sessionId, early.credential, h.actor));
    h.clock.set(boundary);
    expectInvalid(await h.service.validate(late.session.sessionId, late.credential, h.actor), 'expired', true);

    const row = await sessionRow(h.db, late.session.sessionId);
    expect(row).toMatchObject({ status: 'expired', version: 2, replacedBy: null });
    expect(row.endedAt?.getTime()).toBe(boundary);
    // The one validated 1 ms early was refreshed, so it slid past the boundary.
    validSession(await h.service.validate(early.session.sessionId, early.credential, h.actor));
  });

  it('absolute expiry: activity never carries a session past its maximum age; expired exactly at it', async () => {
    const service = h.makeService({ idleTtlMs: HOUR, maxAgeMs: 2 * HOUR });
    const { session, credential } = await service.generate(h.actor);
    const boundary = START.getTime() + 2 * HOUR;

    h.clock.set(START.getTime() + 50 * MINUTE);
    expect(validSession(await service.validate(session.sessionId, credential, h.actor)).expiresAt).toBe(
      new Date(START.getTime() + 110 * MINUTE).toISOString(),
    );
    h.clock.set(START.getTime() + 100 * MINUTE);
    expect(validSession(await service.validate(session.sessionId, credential, h.actor)).expiresAt).toBe(new Date(boundary).toISOString());
    h.clock.set(boundary - 1);
    const last = validSession(await service.validate(session.sessionId, credential, h.actor));
    expect(last.lastSeenAt).toBe(new Date(boundary - 1).toISOString());
    expect(last.expiresAt).toBe(new Date(boundary).toISOString());

    h.clock.set(boundary);
    expectInvalid(await service.validate(session.sessionId, credential, h.actor), 'expired', true);
    expect(await sessionRow(h.db, session.sessionId)).toMatchObject({ status: 'expired', version: 2 });
  });

  it('lazy expiry happens once: one version bump, one audit row, one event, however often it is asked', async () => {
    const { session, credential } = await h.service.generate(h.actor);
    const at = h.clock.advance(IDLE_TTL_MS + 5 * MINUTE);

    expectInvalid(await h.service.validate(session.sessionId, credential, h.actor), 'expired', true);
    h.clock.advance(MINUTE);
    expectInvalid(await h.service.validate(session.sessionId, credential, h.actor), 'expired', true);
    await expectAccessError(h.service.authorize(session.sessionId, credential, h.actor), 'expired');
    expect(await h.service.current(credential)).toEqual({ session: null, clearCredential: true });
    expect(await h.service.expireDue(SYSTEM_ACTOR)).not.toContain(session.sessionId);

    const row = await sessionRow(h.db, session.sessionId);
    expect(row).toMatchObject({ status: 'expired', version: 2 });
    expect(row.endedAt?.getTime()).toBe(at.getTime());
    const expiredRows = (await auditRowsFor(h.db, session.sessionId)).filter((r) => r.event === 'session.expired');
    expect(only(expiredRows)).toMatchObject({ outcome: 'success', requestId: h.actor.requestId });
    expect(only(expiredRows).createdAt.getTime()).toBe(at.getTime());
    expect(h.events.ofType('session.expired', session.sessionId)).toEqual([
      { sessionId: session.sessionId, event: { type: 'session.expired', sessionId: session.sessionId, at: at.toISOString() } },
    ]);
    expect(h.events.ofType('session.validated', session.sessionId)).toEqual([]);
  });

  it('concurrent validations of an overdue session expire it exactly once', async () => {
    const { session, credential } = await h.service.generate(h.actor);
    h.clock.advance(IDLE_TTL_MS);

    const outcomes = await Promise.all(Array.from({ length: 6 }, () => h.service.validate(session.sessionId, credential, h.actor)));

    for (const outcome of outcomes) expectInvalid(outcome, 'expired', true);
    expect(await sessionRow(h.db, session.sessionId)).toMatchObject({ status: 'expired', version: 2 });
    expect((await auditRowsFor(h.db, session.sessionId)).filter((r) => r.event === 'session.expired')).toHaveLength(1);
    expect(h.events.ofType('session.expired', session.sessionId)).toHaveLength(1);
  });
});

describe.each(DATABASE_KINDS)('SessionService.expireDue on %s', (kind) => {
  const h = useSessionService(kind);

  /** Each test starts from a clean slate: whatever earlier tests left due is expired first. */
  async function settle(): Promise<void> {
    h.clock.set(START.getTime() + 365 * DAY);
    await h.service.expireDue(SYSTEM_ACTOR, 100_000);
    h.clock.set(START);
    h.events.published.length = 0;
  }

  it('expires exactly the due sessions and leaves the active ones alone', async () => {
    await settle();
    const service = h.makeService({ idleTtlMs: HOUR, maxAgeMs: 3 * HOUR });
    const idle = await service.generate(h.actor);
    const old = await service.generate(h.actor);
    // `old` stays in use but runs into its maximum age; `idle` is never seen again.
    h.clock.set(START.getTime() + 50 * MINUTE);
    await service.authorize(old.session.sessionId, old.credential);
    h.clock.set(START.getTime() + 100 * MINUTE);
    await service.authorize(old.session.sessionId, old.credential);
    const kept = await service.generate(h.actor);
    h.clock.set(START.getTime() + 150 * MINUTE);
    await service.authorize(old.session.sessionId, old.credential);
    await service.authorize(kept.session.sessionId, kept.credential);
    const young = await service.generate(h.actor);
    expect((await sessionRow(h.db, old.session.sessionId)).expiresAt.getTime()).toBe(START.getTime() + 3 * HOUR);
    expect((await sessionRow(h.db, kept.session.sessionId)).expiresAt.getTime()).toBe(START.getTime() + 210 * MINUTE);
    const at = h.clock.set(START.getTime() + 3 * HOUR);

    const expired = await service.expireDue(SYSTEM_ACTOR);

    expect(expired).toEqual([idle.session.sessionId, old.session.sessionId]);
    for (const { session } of [idle, old]) {
      const row = await sessionRow(h.db, session.sessionId);
      expect(row).toMatchObject({ status: 'expired', version: 2 });
      expect(row.endedAt?.getTime()).toBe(at.getTime());
      expect(only((await auditRowsFor(h.db, session.sessionId)).filter((r) => r.event === 'session.expired'))).toMatchObject({
        outcome: 'success',
        userAgent: SYSTEM_ACTOR.userAgent,
      });
    }
    for (const { session, credential } of [kept, young]) {
      expect(await sessionRow(h.db, session.sessionId)).toMatchObject({ status: 'active', version: 1, endedAt: null });
      validSession(await service.validate(session.sessionId, credential, h.actor));
    }
    expect(h.events.ofType('session.expired').map((p) => p.sessionId).sort()).toEqual(expired.sort());
    expect(await service.expireDue(SYSTEM_ACTOR)).toEqual([]);
  });

  it('takes nothing 1 ms before a session expiry, and the session exactly at it', async () => {
    await settle();
    const { session, credential } = await h.service.generate(h.actor);
    const boundary = START.getTime() + IDLE_TTL_MS;

    h.clock.set(boundary - 1);
    expect(await h.service.expireDue(SYSTEM_ACTOR)).toEqual([]);
    expect(await sessionRow(h.db, session.sessionId)).toMatchObject({ status: 'active', version: 1 });

    h.clock.set(boundary);
    expect(await h.service.expireDue(SYSTEM_ACTOR)).toEqual([session.sessionId]);
    expectInvalid(await h.service.validate(session.sessionId, credential, h.actor), 'expired', true);
    expect(h.events.ofType('session.expired', session.sessionId)).toHaveLength(1);
  });

  it('works through the most overdue first, at most `limit` at a time', async () => {
    await settle();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push((await h.service.generate(h.actor)).session.sessionId);
      h.clock.advance(MINUTE);
    }
    h.clock.set(START.getTime() + IDLE_TTL_MS + HOUR);

    expect(await h.service.expireDue(SYSTEM_ACTOR, 2)).toEqual(ids.slice(0, 2));
    expect(await h.service.expireDue(SYSTEM_ACTOR, 2)).toEqual(ids.slice(2, 4));
    expect(await h.service.expireDue(SYSTEM_ACTOR, 2)).toEqual(ids.slice(4));
    expect(await h.service.expireDue(SYSTEM_ACTOR, 2)).toEqual([]);
  });

  it('leaves sessions that already ended by a reset as they are', async () => {
    await settle();
    const old = await h.service.generate(h.actor);
    const replacement = await h.service.reset(old.session.sessionId, old.credential, h.actor);
    const before = await sessionRow(h.db, old.session.sessionId);
    h.clock.advance(IDLE_TTL_MS);

    expect(await h.service.expireDue(SYSTEM_ACTOR)).toEqual([replacement.session.sessionId]);

    expect(await sessionRow(h.db, old.session.sessionId)).toEqual(before);
    expect(h.events.ofType('session.expired').map((p) => p.sessionId)).toEqual([replacement.session.sessionId]);
  });
});
