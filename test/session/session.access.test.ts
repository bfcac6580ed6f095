import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DATABASE_KINDS } from '../support/databases.js';
import {
  auditRowsFor,
  countSessionWrites,
  DAY,
  expectAccessError,
  IDLE_TTL_MS,
  MINUTE,
  SECOND,
  sessionRow,
  START,
  useSessionService,
} from './support/session-fixtures.js';

describe.each(DATABASE_KINDS)('SessionService.authorize on %s', (kind) => {
  const h = useSessionService(kind);

  it('answers the session view to the session own credential', async () => {
    const { session, credential } = await h.service.generate(h.actor);

    expect(await h.service.authorize(session.sessionId, credential, h.actor)).toEqual(session);
    expect(await h.service.authorize(session.sessionId, credential)).toEqual(session);
  });

  it('refreshes last_seen_at once the touch interval has passed, and not before', async () => {
    const { session, credential } = await h.service.generate(h.actor);
    const writes = countSessionWrites(h.db);
    try {
      h.clock.advance(MINUTE - 1);
      expect((await h.service.authorize(session.sessionId, credential)).lastSeenAt).toBe(START.toISOString());
      expect(writes.count).toBe(0);
      const at = h.clock.advance(1);
      const view = await h.service.authorize(session.sessionId, credential);
      expect(view.lastSeenAt).toBe(at.toISOString());
      expect(view.expiresAt).toBe(new Date(at.getTime() + IDLE_TTL_MS).toISOString());
      expect((await sessionRow(h.db, session.sessionId)).lastSeenAt.getTime()).toBe(at.getTime());
      expect(writes.count).toBe(1);
    } finally {
      writes.stop();
    }
  });

  it('is unauthenticated without a credential, whatever the id', async () => {
    const { session } = await h.service.generate(h.actor);

    const error = await expectAccessError(h.service.authorize(session.sessionId, undefined, h.actor), 'unauthenticated');
    expect(error.message).toMatch(/no session credential/);
    await expectAccessError(h.service.authorize(randomUUID(), undefined, h.actor), 'unauthenticated');
    await expectAccessError(h.service.authorize('not-a-uuid', undefined, h.actor), 'unauthenticated');
  });

  it('is not_found for an id that names no session', async () => {
    const { credential } = await h.service.generate(h.actor);

    await expectAccessError(h.service.authorize(randomUUID(), credential, h.actor), 'not_found');
    await expectAccessError(h.service.authorize('', credential, h.actor), 'not_found');
  });

  it('is forbidden for the credential of another session or a malformed one, and touches nothing', async () => {
    const { session } = await h.service.generate(h.actor);
    const other = await h.service.generate(h.actor);
    h.clock.advance(5 * MINUTE);

    for (const credential of [other.credential, '', 'short', 'x'.repeat(43).replace('x', '+'), randomBytes(32).toString('base64url')]) {
      await expectAccessError(h.service.authorize(session.sessionId, credential, h.actor), 'forbidden');
    }
    expect((await sessionRow(h.db, session.sessionId)).lastSeenAt.getTime()).toBe(START.getTime());
    expect(h.events.published).toEqual([]);
  });

  it('is reset for a reset session and expired for an expired one, even with the right credential', async () => {
    const old = await h.service.generate(h.actor);
    await h.service.reset(old.session.sessionId, old.credential, h.actor);
    const expiring = await h.service.generate(h.actor);
    h.clock.advance(IDLE_TTL_MS);

    await expectAccessError(h.service.authorize(old.session.sessionId, old.credential, h.actor), 'reset');
    const expired = await expectAccessError(h.service.authorize(expiring.session.sessionId, expiring.credential, h.actor), 'expired');
    expect(expired.message).toMatch(/expired/);
    // Authorize found it overdue and expired it on the spot, once.
    expect(await sessionRow(h.db, expiring.session.sessionId)).toMatchObject({ status: 'expired', version: 2 });
    expect(h.events.ofType('session.expired', expiring.session.sessionId)).toHaveLength(1);
  });

  it('says an ended session was asked about by its owner only for its own or its replacement’s credential', async () => {
    const old = await h.service.generate(h.actor);
    const fresh = await h.service.reset(old.session.sessionId, old.credential, h.actor);
    const stranger = await h.service.generate(h.actor);
    const next = await h.service.reset(fresh.session.sessionId, fresh.credential, h.actor);

    expect((await expectAccessError(h.service.authorize(old.session.sessionId, old.credential, h.actor), 'reset')).askedByOwner).toBe(true);
    expect((await expectAccessError(h.service.authorize(old.session.sessionId, fresh.credential, h.actor), 'reset')).askedByOwner).toBe(true);
    for (const credential of [stranger.credential, next.credential, 'bogus', randomBytes(32).toString('base64url')]) {
      expect((await expectAccessError(h.service.authorize(old.session.sessionId, credential, h.actor), 'reset')).askedByOwner).toBe(false);
    }

    const expiring = await h.service.generate(h.actor);
    h.clock.advance(IDLE_TTL_MS);
    expect((await expectAccessError(h.service.authorize(expiring.session.sessionId, expiring.credential, h.actor), 'expired')).askedByOwner).toBe(true);
    expect((await expectAccessError(h.service.authorize(expiring.session.sessionId, stranger.credential, h.actor), 'expired')).askedByOwner).toBe(false);
  });
});

describe.each(DATABASE_KINDS)('SessionService.current on %s', (kind) => {
  const h = useSessionService(kind);

  it('answers the live session of a credential, and keeps the credential', async () => {
    const { session, credential } = await h.service.generate(h.actor);
    await h.service.generate(h.actor);

    expect(await h.service.current(credential)).toEqual({ session, clearCredential: false });
  });

  it('answers null without a credential, with nothing to clear', async () => {
    await h.service.generate(h.actor);

    expect(await h.service.current(undefined)).toEqual({ session: null, clearCredential: false });
  });

  it('answers null and asks to clear an unknown, well-formed credential', async () => {
    await h.service.generate(h.actor);

    expect(await h.service.current(randomBytes(32).toString('base64url'))).toEqual({ session: null, clearCredential: true });
  });

  it('answers null and asks to clear a malformed credential', async () => {
    const { credential } = await h.service.generate(h.actor);
    const malformed = [
      '',
      'a',
      credential.slice(0, 42),
      `${credential}A`,
      `${credential.slice(0, 42)}=`,
      `${credential.slice(0, 42)}+`,
      `${credential.slice(0, 42)}\u0000`,
      "' OR '1'='1",
      `${'A'.repeat(42)}!`,
      'x'.repeat(100_000),
    ];

    for (const presented of malformed) expect(await h.service.current(presented)).toEqual({ session: null, clearCredential: true });
  });

  it('does not answer to the stored hash in place of the credential', async () => {
    const { session, credential } = await h.service.generate(h.actor);
    const storedHash = (await sessionRow(h.db, session.sessionId)).tokenHash;

    expect(await h.service.current(storedHash)).toEqual({ session: null, clearCredential: true });
    expect(await h.service.current(credential)).toMatchObject({ session: { sessionId: session.sessionId } });
  });

  it('answers null for the credential of a reset session, and asks to clear it only once its replacement has ended', async () => {
    const old = await h.service.generate(h.actor);
    const fresh = await h.service.reset(old.session.sessionId, old.credential, h.actor);

    expect(await h.service.current(old.credential)).toEqual({ session: null, clearCredential: false });
    expect(await h.service.current(fresh.credential)).toEqual({ session: fresh.session, clearCredential: false });
    await h.service.reset(fresh.session.sessionId, fresh.credential, h.actor);
    expect(await h.service.current(old.credential)).toEqual({ session: null, clearCredential: true });
  });

  it('answers null and asks to clear the credential of an expired session, expiring it on the spot', async () => {
    const { session, credential } = await h.service.generate(h.actor);
    h.clock.advance(IDLE_TTL_MS - 1);
    expect((await h.service.current(credential)).session?.sessionId).toBe(session.sessionId);
    // That read refreshed it; now let it go idle for a full period.
    h.clock.advance(IDLE_TTL_MS);

    expect(await h.service.current(credential)).toEqual({ session: null, clearCredential: true });
    expect(await h.service.current(credential)).toEqual({ session: null, clearCredential: true });

    expect(await sessionRow(h.db, session.sessionId)).toMatchObject({ status: 'expired', version: 2 });
    expect((await auditRowsFor(h.db, session.sessionId)).filter((r) => r.event === 'session.expired')).toHaveLength(1);
    expect(h.events.ofType('session.expired', session.sessionId)).toHaveLength(1);
  });

  it('refreshes last_seen_at at most once per interval', async () => {
    const { session, credential } = await h.service.generate(h.actor);
    const writes = countSessionWrites(h.db);
    try {
      for (let i = 1; i <= 10; i += 1) {
        h.clock.set(START.getTime() + i * 5 * SECOND);
        await h.service.current(credential);
      }
      expect(writes.count).toBe(0);
      h.clock.set(START.getTime() + DAY);
      expect((await h.service.current(credential)).session?.lastSeenAt).toBe(new Date(START.getTime() + DAY).toISOString());
      expect(writes.count).toBe(1);
      expect((await sessionRow(h.db, session.sessionId)).lastSeenAt.getTime()).toBe(START.getTime() + DAY);
    } finally {
      writes.stop();
    }
  });
});
