import { createHash, randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/server/services/actor.js';
import { SessionGenerationError } from '../../src/server/services/session/session.errors.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { auditRowsOf, IDLE_TTL_MS, MINUTE, rejectionOf, sha256Hex, START, useSessionService } from './support/session-fixtures.js';

/** Every spelling in which a secret could leak: as given, and its SHA-256 in hex, base64 and base64url. */
function spellings(secret: string): string[] {
  const digest = createHash('sha256').update(secret).digest();
  return [secret, sha256Hex(secret), digest.toString('base64'), digest.toString('base64url')];
}

describe.each(DATABASE_KINDS)('audit trail of SessionService on %s', (kind) => {
  const h = useSessionService(kind);

  it('never holds a credential or its hash, in any row, through every kind of event', async () => {
    const secrets: string[] = [];
    const issue = async () => {
      const issued = await h.service.generate(h.actor);
      secrets.push(issued.credential);
      return issued;
    };
    const a = await issue();
    const b = await issue();
    const c = await issue();
    h.clock.advance(2 * MINUTE);

    // Validations that pass and that fail, with wrong, altered and missing credentials.
    await h.service.validate(a.session.sessionId, a.credential, h.actor);
    await h.service.validate(a.session.sessionId, b.credential, h.actor);
    await h.service.validate(a.session.sessionId, undefined, h.actor);
    const altered = [a.credential.slice(0, 42), `${a.credential}A`, `${a.credential.slice(0, 42)}+`];
    secrets.push(...altered);
    for (const presented of altered) await h.service.validate(a.session.sessionId, presented, h.actor);
    await h.service.validate(randomUUID(), a.credential, h.actor);
    await h.service.validate(`${a.credential}-not-an-id`, a.credential, h.actor);
    await rejectionOf(h.service.authorize(a.session.sessionId, b.credential, h.actor));
    await h.service.current(a.credential);
    await h.service.current(altered[0]);

    // A reset, a refused reset, two racing resets, then the old credential again.
    const a2 = await h.service.reset(a.session.sessionId, a.credential, h.actor);
    secrets.push(a2.credential);
    await rejectionOf(h.service.reset(a.session.sessionId, a.credential, h.actor));
    await rejectionOf(h.service.reset(b.session.sessionId, c.credential, h.actor));
    const raced = await Promise.allSettled([
      h.service.reset(b.session.sessionId, b.credential, h.actor),
      h.service.reset(b.session.sessionId, b.credential, h.actor),
    ]);
    for (const r of raced) if (r.status === 'fulfilled') secrets.push(r.value.credential);
    await h.service.validate(a.session.sessionId, a.credential, h.actor);

    // Collisions: of ids until it gives up, and of credentials until a fresh one is found.
    const collided = await rejectionOf(h.makeService({ newId: () => c.session.sessionId, maxGenerateAttempts: 2 }).generate(h.actor));
    expect(collided).toBeInstanceOf(SessionGenerationError);
    const repeated = [c.credential, c.credential, 'Z'.repeat(43)];
    secrets.push('Z'.repeat(43));
    let next = 0;
    await h.makeService({ newCredential: () => repeated[next++] ?? 'Y'.repeat(43) }).generate(h.actor);

    // Expiry: lazily on validation, and by the sweep.
    h.clock.advance(IDLE_TTL_MS);
    await h.service.validate(c.session.sessionId, c.credential, h.actor);
    await h.service.expireDue(SYSTEM_ACTOR);

    const modelRows = await h.db.models.AuditLog.findAll({ order: [['id', 'ASC']] });
    const rawRows = await h.db.sequelize.query<Record<string, unknown>>('SELECT * FROM audit_logs ORDER BY id', { type: QueryTypes.SELECT });
    expect(rawRows).toHaveLength(modelRows.length);
    const events = new Set(modelRows.map((r) => r.event));
    for (const event of ['session.generated', 'session.validated', 'session.validation_failed', 'session.reset', 'session.expired']) {
      expect(events).toContain(event);
    }
    expect(modelRows.some((r) => r.outcome === 'failure' && r.event === 'session.generated')).toBe(true);

    const serialized = [...modelRows.map((r) => JSON.stringify(r.toJSON())), ...rawRows.map((r) => JSON.stringify(r))];
    for (const secret of secrets) {
      for (const spelling of spellings(secret)) {
        for (const text of serialized) expect(text.toLowerCase()).not.toContain(spelling.toLowerCase());
      }
    }
  });

  it('writes an audit row together with the change it records, or not at all', async () => {
    const sessionId = randomUUID();

    const failure = await rejectionOf(
      h.db.transaction(async (t) => {
        await h.audit.record({ event: 'session.reset', outcome: 'success', sessionId, actor: h.actor, metadata: { newSessionId: randomUUID() } }, t);
        throw new Error('the change failed');
      }),
    );
    expect(failure).toMatchObject({ message: 'the change failed' });
    expect(await h.audit.forSession(sessionId)).toEqual([]);

    h.clock.advance(MINUTE);
    await h.audit.record({ event: 'session.validated', outcome: 'success', sessionId, actor: h.actor });
    h.clock.advance(MINUTE);
    await h.audit.record({ event: 'session.expired', outcome: 'success', sessionId, actor: SYSTEM_ACTOR });
    const rows = await h.audit.forSession(sessionId);
    expect(rows.map((r) => r.event)).toEqual(['session.validated', 'session.expired']);
    expect(rows.map((r) => r.createdAt.getTime())).toEqual([START.getTime() + MINUTE, START.getTime() + 2 * MINUTE]);
    expect(rows[0]?.metadata).toEqual({});
  });

  it('keeps at most 512 characters of a user agent', async () => {
    const actor = { ip: '198.51.100.2', userAgent: `Mozilla/5.0 ${'x'.repeat(2_000)}`, requestId: randomUUID() };

    await h.service.generate(actor);

    const [row] = await auditRowsOf(h.db, actor);
    expect(row?.userAgent).toBe(actor.userAgent.slice(0, 512));
    expect(row?.ip).toBe('198.51.100.2');
  });
});
