import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DATABASE_KINDS } from '../support/databases.js';
import {
  auditRowsFor,
  auditRowsOf,
  countSessions,
  countSessionWrites,
  DAY,
  expectAccessError,
  expectInvalid,
  IDLE_TTL_MS,
  MINUTE,
  only,
  SECOND,
  sessionRow,
  START,
  useSessionService,
  validSession,
} from './support/session-fixtures.js';

/** Strings that are no session id: the API's zod schema refuses them, the service must stay unharmed. */
const HOSTILE_IDS: readonly string[] = [
  '',
  'not-a-uuid',
  "' OR '1'='1",
  "' OR 1=1 --",
  "'; DROP TABLE user_sessions; --",
  "00000000-0000-4000-8000-000000000000' OR '1'='1",
  '%',
  '*',
  '{"$ne":null}',
  '../../etc/passwd',
  'x'.repeat(100_000),
  '\u0000',
  'a\u0000b',
  '00000000-0000-4000-8000-00000000000\u0000',
  '0b5c6f8e-4d1a-4c3e-9f2b-7a8d9e0f1a2b\n',
  ' 0b5c6f8e-4d1a-4c3e-9f2b-7a8d9e0f1a2b',
  '0b5c6f8e4d1a4c3e9f2b7a8d9e0f1a2b',
  '🙂'.repeat(40),
];

describe.each(DATABASE_KINDS)('SessionService.validate on %s', (kind) => {
  const h = useSessionService(kind);

  it('answers valid with the session view for the session own credential', async () => {
    const { session, credential } = await h.service.generate(h.actor);

    const outcome = await h.service.validate(session.sessionId, credential, h.actor);

    expect(validSession(outcome)).toEqual(session);
    await h.audit.flush();
    expect((await auditRowsFor(h.db, session.sessionId)).map((r) => [r.event, r.outcome])).toEqual([
      ['session.generated', 'success'],
      ['session.validated', 'success'],
    ]);
  });

  it('answers not_found for an unknown id, and audits the request without a session id', async () => {
    const unknown = randomUUID();
    const { credential } = await h.service.generate(h.actor);

    expectInvalid(await h.service.validate(unknown, credential, h.actor), 'not_found', false);

    const failed = (await auditRowsOf(h.db, h.actor)).filter((r) => r.event === 'session.validation_failed');
    expect(only(failed)).toMatchObject({ outcome: 'failure', sessionId: null, metadata: { reason: 'not_found', requestedId: unknown } });
    expect(h.events.published).toEqual([]);
  });

  it('answers forbidden when no credential is presented, and changes nothing', async () => {
    const { session } = await h.service.generate(h.actor);
    h.clock.advance(2 * MINUTE);

    expectInvalid(await h.service.validate(session.sessionId, undefined, h.actor), 'forbidden', false);

    const failed = (await auditRowsFor(h.db, session.sessionId)).filter((r) => r.event === 'session.validation_failed');
    expect(only(failed)).toMatchObject({ outcome: 'failure', metadata: { reason: 'unauthenticated' } });
    const row = await sessionRow(h.db, session.sessionId);
    expect(row).toMatchObject({ status: 'active', version: 1 });
    expect(row.lastSeenAt.getTime()).toBe(START.getTime());
    expect(h.events.published).toEqual([]);
  });

  it('answers forbidden for the credential of another session, and does not ask to clear it', async () => {
    const mine = await h.service.generate(h.actor);
    const theirs = await h.service.generate(h.actor);
    h.clock.advance(2 * MINUTE);

    expectInvalid(await h.service.validate(theirs.session.sessionId, mine.credential, h.actor), 'forbidden', false);

    const failed = (await auditRowsFor(h.db, theirs.session.sessionId)).filter((r) => r.event === 'session.validation_failed');
    expect(only(failed).metadata).toEqual({ reason: 'forbidden' });
    expect((await sessionRow(h.db, theirs.session.sessionId)).lastSeenAt.getTime()).toBe(START.getTime());
    // Both still open with their own credentials.
    validSession(await h.service.validate(theirs.session.sessionId, theirs.credential, h.actor));
    validSession(await h.service.validate(mine.session.sessionId, mine.credential, h.actor));
  });

  it('answers forbidden for malformed or altered credentials: length, alphabet, padding, case, one character', async () => {
    const { session, credential } = await h.service.generate(h.actor);
    const caseFlipped = /[a-z]/.test(credential)
      ? credential.replace(/[a-z]/, (c) => c.toUpperCase())
      : credential.replace(/[A-Z]/, (c) => c.toLowerCase());
    const malformed = [
      '',
      'a',
      credential.slice(0, 42),
      `${credential}A`,
      `${credential}=`,
      `${credential.slice(0, 42)}+`,
      `${credential.slice(0, 42)}/`,
      `${credential.slice(0, 21)} ${credential.slice(22)}`,
      `${credential.slice(0, 42)}\u0000`,
      Buffer.from(credential, 'base64url').toString('base64'),
      Buffer.from(credential, 'base64url').toString('hex'),
      caseFlipped,
      `${credential.startsWith('A') ? 'B' : 'A'}${credential.slice(1)}`,
      ` ${credential}`,
      `${credential}\n`,
      'é'.repeat(43),
      'x'.repeat(10_000),
    ];

    for (const presented of malformed) {
      expect(presented).not.toBe(credential);
      expectInvalid(await h.service.validate(session.sessionId, presented, h.actor), 'forbidden', false);
    }

    expect(await sessionRow(h.db, session.sessionId)).toMatchObject({ status: 'active', version: 1 });
    validSession(await h.service.validate(session.sessionId, credential, h.actor));
  });

  it('answers expired for an expired session; only its own credential is told to clear', async () => {
    const { session, credential } = await h.service.generate(h.actor);
    const other = await h.service.generate(h.actor);
    h.clock.advance(IDLE_TTL_MS);

    expectInvalid(await h.service.validate(session.sessionId, credential, h.actor), 'expired', true);
    expectInvalid(await h.service.validate(session.sessionId, other.credential, h.actor), 'expired', false);
    expectInvalid(await h.service.validate(session.sessionId, undefined, h.actor), 'expired', false);
    expectInvalid(await h.service.validate(session.sessionId, 'garbage', h.actor), 'expired', false);
  });

  it('answers reset for a reset session; only its own credential is told to clear, once its replacement has ended', async () => {
    const old = await h.service.generate(h.actor);
    const replacement = await h.service.reset(old.session.sessionId, old.credential, h.actor);

    expectInvalid(await h.service.validate(old.session.sessionId, old.credential, h.actor), 'reset', false);
    h.clock.advance(IDLE_TTL_MS);
    expectInvalid(await h.service.validate(replacement.session.sessionId, replacement.credential, h.actor), 'expired', true);
    expectInvalid(await h.service.validate(old.session.sessionId, old.credential, h.actor), 'reset', true);
    expectInvalid(await h.service.validate(old.session.sessionId, replacement.credential, h.actor), 'reset', false);
    expectInvalid(await h.service.validate(old.session.sessionId, undefined, h.actor), 'reset', false);

    const reasons = (await auditRowsFor(h.db, old.session.sessionId))
      .filter((r) => r.event === 'session.validation_failed')
      .map((r) => r.metadata);
    expect(reasons).toEqual([{ reason: 'reset' }, { reason: 'reset' }, { reason: 'reset' }, { reason: 'reset' }]);
  });

  it('answers not_found for ids that are not UUIDs, hostile ones included, and corrupts nothing', async () => {
    const { session, credential } = await h.service.generate(h.actor);
    const before = (await h.db.models.UserSession.findAll({ order: [['id', 'ASC']] })).map((r) => r.get({ plain: true }));
    const ids = [...HOSTILE_IDS, `${session.sessionId}' OR '1'='1`, `${session.sessionId}x`, `${session.sessionId}\u0000`];

    for (const id of ids) {
      expectInvalid(await h.service.validate(id, credential, h.actor), 'not_found', false);
      await expectAccessError(h.service.authorize(id, credential, h.actor), 'not_found');
      await expectAccessError(h.service.reset(id, credential, h.actor), 'not_found');
    }

    const after = (await h.db.models.UserSession.findAll({ order: [['id', 'ASC']] })).map((r) => r.get({ plain: true }));
    expect(after).toEqual(before);
    expect(await countSessions(h.db)).toBe(before.length);
    expect(validSession(await h.service.validate(session.sessionId, credential, h.actor))).toEqual(session);
    // Each attempt is audited, without a session id and without the free text that was asked.
    const failed = (await auditRowsOf(h.db, h.actor)).filter((r) => r.event === 'session.validation_failed');
    expect(failed).toHaveLength(ids.length);
    for (const row of failed) {
      expect(row.sessionId).toBeNull();
      expect(row.metadata).toEqual({ reason: 'not_found', malformedId: true });
      expect(JSON.stringify(row).length).toBeLessThan(1_000);
    }
    expect(h.events.published).toEqual([]);
  });

  it('refreshes last_seen_at at most once per minute, and publishes session.validated only then', async () => {
    const { session, credential } = await h.service.generate(h.actor);
    const writes = countSessionWrites(h.db);
    try {
      const lastSeen = async () => (await sessionRow(h.db, session.sessionId)).lastSeenAt.getTime();

      // 30 validations in the first minute: no write, no event, the view keeps the stored time.
      for (let i = 1; i <= 30; i += 1) {
        h.clock.set(START.getTime() + i * 1_900);
        expect(validSession(await h.service.validate(session.sessionId, credential, h.actor)).lastSeenAt).toBe(START.toISOString());
      }
      h.clock.set(START.getTime() + MINUTE - 1);
      validSession(await h.service.validate(session.sessionId, credential, h.actor));
      expect(await lastSeen()).toBe(START.getTime());
      expect(writes.count).toBe(0);
      expect(h.events.ofType('session.validated')).toHaveLength(0);

      // Once the minute has passed: one write, one event carrying the refreshed view.
      const refreshedAt = h.clock.set(START.getTime() + MINUTE);
      const refreshed = validSession(await h.service.validate(session.sessionId, credential, h.actor));
      expect(refreshed.lastSeenAt).toBe(refreshedAt.toISOString());
      expect(refreshed.expiresAt).toBe(new Date(refreshedAt.getTime() + IDLE_TTL_MS).toISOString());
      expect(await lastSeen()).toBe(refreshedAt.getTime());
      expect(writes.count).toBe(1);
      expect(h.events.ofType('session.validated')).toEqual([{ sessionId: session.sessionId, event: { type: 'session.validated', session: refreshed } }]);

      // Many more within the next minute: still that one write and that one event.
      for (let i = 1; i <= 30; i += 1) {
        h.clock.set(refreshedAt.getTime() + i * 1_999);
        validSession(await h.service.validate(session.sessionId, credential, h.actor));
      }
      expect(await lastSeen()).toBe(refreshedAt.getTime());
      expect(writes.count).toBe(1);
      expect(h.events.ofType('session.validated')).toHaveLength(1);

      // And the next minute brings the next one.
      h.clock.set(refreshedAt.getTime() + MINUTE);
      validSession(await h.service.validate(session.sessionId, credential, h.actor));
      expect(await lastSeen()).toBe(refreshedAt.getTime() + MINUTE);
      expect(writes.count).toBe(2);
      expect(h.events.ofType('session.validated')).toHaveLength(2);
    } finally {
      writes.stop();
    }
  });

  it('honours a configured touch interval', async () => {
    const service = h.makeService({ touchIntervalMs: 5 * SECOND });
    const { session, credential } = await service.generate(h.actor);

    h.clock.advance(5 * SECOND - 1);
    expect(validSession(await service.validate(session.sessionId, credential, h.actor)).lastSeenAt).toBe(START.toISOString());
    h.clock.advance(1);
    const view = validSession(await service.validate(session.sessionId, credential, h.actor));
    expect(view.lastSeenAt).toBe(new Date(START.getTime() + 5 * SECOND).toISOString());
    expect(h.events.ofType('session.validated', session.sessionId)).toHaveLength(1);
  });

  it('slides the idle expiry forward with last_seen_at, but never the version', async () => {
    const { session, credential } = await h.service.generate(h.actor);
    const at = h.clock.advance(3 * DAY);

    const view = validSession(await h.service.validate(session.sessionId, credential, h.actor));

    expect(view).toEqual({ ...session, lastSeenAt: at.toISOString(), expiresAt: new Date(at.getTime() + IDLE_TTL_MS).toISOString() });
    const row = await sessionRow(h.db, session.sessionId);
    expect(row.lastSeenAt.getTime()).toBe(at.getTime());
    expect(row.expiresAt.getTime()).toBe(at.getTime() + IDLE_TTL_MS);
    expect(row.version).toBe(1);
  });

  it('publishes nothing for a failed validation', async () => {
    const { session, credential } = await h.service.generate(h.actor);
    const other = await h.service.generate(h.actor);
    h.clock.advance(2 * MINUTE);

    await h.service.validate(session.sessionId, other.credential, h.actor);
    await h.service.validate(session.sessionId, undefined, h.actor);
    await h.service.validate(randomUUID(), credential, h.actor);

    expect(h.events.published).toEqual([]);
  });
});
