import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SessionAccessError } from '../../src/server/services/session/session.errors.js';
import type { IssuedSession } from '../../src/server/services/session/session.service.js';
import { sessionViewSchema } from '../../src/shared/session.js';
import { DATABASE_KINDS } from '../support/databases.js';
import {
  auditRowsFor,
  countSessions,
  CREDENTIAL_SHAPE,
  expectAccessError,
  expectInvalid,
  IDLE_TTL_MS,
  MINUTE,
  only,
  sessionRow,
  sha256Hex,
  START,
  storedTokenHash,
  useSessionService,
  validSession,
} from './support/session-fixtures.js';

describe.each(DATABASE_KINDS)('SessionService.reset on %s', (kind) => {
  const h = useSessionService(kind);

  it('ends the old session and opens a new one with a new credential', async () => {
    const old = await h.service.generate(h.actor);
    const at = h.clock.advance(10 * MINUTE);

    const fresh = await h.service.reset(old.session.sessionId, old.credential, h.actor);

    expect(sessionViewSchema.parse(fresh.session)).toEqual(fresh.session);
    expect(fresh.session.sessionId).not.toBe(old.session.sessionId);
    expect(fresh.session).toMatchObject({ status: 'active', version: 1, createdAt: at.toISOString(), lastSeenAt: at.toISOString() });
    expect(fresh.session.expiresAt).toBe(new Date(at.getTime() + IDLE_TTL_MS).toISOString());
    expect(fresh.credential).toMatch(CREDENTIAL_SHAPE);
    expect(fresh.credential).not.toBe(old.credential);

    const ended = await sessionRow(h.db, old.session.sessionId);
    expect(ended).toMatchObject({ status: 'reset', replacedBy: fresh.session.sessionId, version: 2 });
    expect(ended.endedAt?.getTime()).toBe(at.getTime());
    expect(await storedTokenHash(h.db, fresh.session.sessionId)).toBe(sha256Hex(fresh.credential));
    expect(await sessionRow(h.db, fresh.session.sessionId)).toMatchObject({ status: 'active', replacedBy: null, endedAt: null, version: 1 });
    validSession(await h.service.validate(fresh.session.sessionId, fresh.credential, h.actor));
  });

  it('audits session.reset with the new id, and the new session as generated to replace it', async () => {
    const old = await h.service.generate(h.actor);
    const at = h.clock.advance(MINUTE);

    const fresh = await h.service.reset(old.session.sessionId, old.credential, h.actor);

    const resetRow = only((await auditRowsFor(h.db, old.session.sessionId)).filter((r) => r.event === 'session.reset'));
    expect(resetRow).toMatchObject({
      outcome: 'success',
      requestId: h.actor.requestId,
      ip: h.actor.ip,
      metadata: { newSessionId: fresh.session.sessionId },
    });
    expect(resetRow.createdAt.getTime()).toBe(at.getTime());
    expect(only(await auditRowsFor(h.db, fresh.session.sessionId))).toMatchObject({
      event: 'session.generated',
      outcome: 'success',
      metadata: { replaces: old.session.sessionId },
    });
  });

  it('publishes one session.reset event, carrying newSessionId, to the old session', async () => {
    const old = await h.service.generate(h.actor);
    const at = h.clock.advance(MINUTE);

    const fresh = await h.service.reset(old.session.sessionId, old.credential, h.actor);

    expect(h.events.published).toEqual([
      {
        sessionId: old.session.sessionId,
        event: { type: 'session.reset', sessionId: old.session.sessionId, newSessionId: fresh.session.sessionId, at: at.toISOString() },
      },
    ]);
  });

  it('retires the old credential: it opens neither the old session nor the new one', async () => {
    const old = await h.service.generate(h.actor);
    const fresh = await h.service.reset(old.session.sessionId, old.credential, h.actor);

    // Not cleared while the replacement lives: a request that carries it may have left before the new cookie landed.
    expectInvalid(await h.service.validate(old.session.sessionId, old.credential, h.actor), 'reset', false);
    expectInvalid(await h.service.validate(fresh.session.sessionId, old.credential, h.actor), 'forbidden', false);
    await expectAccessError(h.service.authorize(fresh.session.sessionId, old.credential, h.actor), 'forbidden');
    await expectAccessError(h.service.authorize(old.session.sessionId, old.credential, h.actor), 'reset');
    expect(await h.service.current(old.credential)).toEqual({ session: null, clearCredential: false });
    // The new credential opens the new session only.
    expect(await h.service.authorize(fresh.session.sessionId, fresh.credential, h.actor)).toEqual(fresh.session);
    await expectAccessError(h.service.authorize(old.session.sessionId, fresh.credential, h.actor), 'reset');
  });

  it('refuses to reset a session that has ended, and changes nothing', async () => {
    const old = await h.service.generate(h.actor);
    const fresh = await h.service.reset(old.session.sessionId, old.credential, h.actor);
    const expiring = await h.service.generate(h.actor);
    h.clock.advance(IDLE_TTL_MS);
    // Expire it first, so that the refusal below is only about a session that already ended.
    expectInvalid(await h.service.validate(expiring.session.sessionId, expiring.credential, h.actor), 'expired', true);
    const count = await countSessions(h.db);
    const published = h.events.published.length;
    const resetRow = await sessionRow(h.db, old.session.sessionId);
    const expiredRow = await sessionRow(h.db, expiring.session.sessionId);

    const again = await expectAccessError(h.service.reset(old.session.sessionId, old.credential, h.actor), 'reset');
    expect(again.message).toMatch(/reset/);
    await expectAccessError(h.service.reset(expiring.session.sessionId, expiring.credential, h.actor), 'expired');

    expect(await countSessions(h.db)).toBe(count);
    expect(h.events.published).toHaveLength(published);
    expect(await sessionRow(h.db, old.session.sessionId)).toEqual(resetRow);
    expect(await sessionRow(h.db, expiring.session.sessionId)).toEqual(expiredRow);
    expect((await sessionRow(h.db, old.session.sessionId)).replacedBy).toBe(fresh.session.sessionId);
  });

  it('expires instead of resetting a session found past its expiry', async () => {
    const { session, credential } = await h.service.generate(h.actor);
    const count = await countSessions(h.db);
    h.clock.advance(IDLE_TTL_MS);

    await expectAccessError(h.service.reset(session.sessionId, credential, h.actor), 'expired');

    expect(await countSessions(h.db)).toBe(count);
    expect(await sessionRow(h.db, session.sessionId)).toMatchObject({ status: 'expired', replacedBy: null, version: 2 });
    expect(h.events.published.map((p) => p.event.type)).toEqual(['session.expired']);
  });

  it('refuses a wrong, malformed or missing credential and an unknown id, and changes nothing', async () => {
    const { session } = await h.service.generate(h.actor);
    const other = await h.service.generate(h.actor);
    const count = await countSessions(h.db);
    const before = await sessionRow(h.db, session.sessionId);

    await expectAccessError(h.service.reset(session.sessionId, other.credential, h.actor), 'forbidden');
    await expectAccessError(h.service.reset(session.sessionId, 'not-a-credential', h.actor), 'forbidden');
    await expectAccessError(h.service.reset(session.sessionId, undefined, h.actor), 'unauthenticated');
    await expectAccessError(h.service.reset(randomUUID(), other.credential, h.actor), 'not_found');

    expect(await sessionRow(h.db, session.sessionId)).toEqual(before);
    expect(await countSessions(h.db)).toBe(count);
    expect((await auditRowsFor(h.db, session.sessionId)).map((r) => r.event)).not.toContain('session.reset');
    expect(h.events.published).toEqual([]);
  });

  it('lets exactly one of two concurrent resets of one session succeed (three rounds)', async () => {
    for (let round = 0; round < 3; round += 1) {
      const old = await h.service.generate(h.actor);
      const count = await countSessions(h.db);
      const published = h.events.published.length;
      h.clock.advance(MINUTE);

      const settled = await Promise.allSettled([
        h.service.reset(old.session.sessionId, old.credential, h.actor),
        h.service.reset(old.session.sessionId, old.credential, h.actor),
      ]);

      const won = settled.filter((s): s is PromiseFulfilledResult<IssuedSession> => s.status === 'fulfilled');
      const lost = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const winner = only(won).value;
      const loser: unknown = only(lost).reason;
      expect(loser).toBeInstanceOf(SessionAccessError);
      expect(loser).toMatchObject({ reason: 'reset' });

      // The loser's replacement rolled back with its transaction: one new session, one reset, one event.
      expect(await countSessions(h.db)).toBe(count + 1);
      expect(await sessionRow(h.db, old.session.sessionId)).toMatchObject({ status: 'reset', replacedBy: winner.session.sessionId, version: 2 });
      const resets = (await auditRowsFor(h.db, old.session.sessionId)).filter((r) => r.event === 'session.reset');
      expect(only(resets).metadata).toEqual({ newSessionId: winner.session.sessionId });
      expect(h.events.published.slice(published).map((p) => p.event)).toEqual([
        { type: 'session.reset', sessionId: old.session.sessionId, newSessionId: winner.session.sessionId, at: h.clock.now().toISOString() },
      ]);
      validSession(await h.service.validate(winner.session.sessionId, winner.credential, h.actor));
    }
  });

  it('can reset the replacement in turn: a chain of ended sessions, each pointing to the next', async () => {
    let current: IssuedSession = await h.service.generate(h.actor);
    const chain = [current];
    for (let i = 0; i < 3; i += 1) {
      h.clock.advance(MINUTE);
      current = await h.service.reset(current.session.sessionId, current.credential, h.actor);
      chain.push(current);
    }

    for (let i = 0; i < 3; i += 1) {
      const link = chain[i];
      const next = chain[i + 1];
      if (!link || !next) throw new Error('chain too short');
      expect(await sessionRow(h.db, link.session.sessionId)).toMatchObject({ status: 'reset', replacedBy: next.session.sessionId });
      // Cleared once the session that replaced it has ended too; the last link's replacement still lives.
      expectInvalid(await h.service.validate(link.session.sessionId, link.credential, h.actor), 'reset', i < 2);
    }
    expect(new Set(chain.map((c) => c.credential)).size).toBe(4);
    validSession(await h.service.validate(current.session.sessionId, current.credential, h.actor));
    expect(START.getTime()).toBeLessThan(Date.parse(current.session.createdAt));
  });
});
