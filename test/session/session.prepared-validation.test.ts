import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/database.js';
import { SessionService } from '../../src/server/services/session/session.service.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { expectInvalid, IDLE_TTL_MS, MAX_AGE_MS, useSessionService, validSession } from './support/session-fixtures.js';

/** The same database, counting the plain reads (every session lookup on a request's path is one). */
function countingReads(db: Database): { db: Database; readonly reads: number } {
  let reads = 0;
  const counted: Database = {
    ...db,
    selectOne: (sql, params) => {
      reads += 1;
      return db.selectOne(sql, params);
    },
  };
  return {
    db: counted,
    get reads() {
      return reads;
    },
  };
}

describe.each(DATABASE_KINDS)('SessionService.prepareValidation on %s', (kind) => {
  const h = useSessionService(kind);

  function serviceCountingReads() {
    const counter = countingReads(h.db);
    const service = new SessionService({ db: counter.db, audit: h.audit, events: h.events, clock: h.clock.now, idleTtlMs: IDLE_TTL_MS, maxAgeMs: MAX_AGE_MS });
    return { service, counter };
  }

  it('tells the session’s own credential from any other, whatever state the session is in', async () => {
    const mine = await h.service.generate(h.actor);
    const theirs = await h.service.generate(h.actor);
    const id = mine.session.sessionId;

    expect((await h.service.prepareValidation(id, mine.credential)).ownCredential).toBe(true);
    expect((await h.service.prepareValidation(id, theirs.credential)).ownCredential).toBe(false);
    expect((await h.service.prepareValidation(id, undefined)).ownCredential).toBe(false);
    expect((await h.service.prepareValidation(id, 'garbage')).ownCredential).toBe(false);
    expect((await h.service.prepareValidation('not-a-uuid', mine.credential)).ownCredential).toBe(false);

    await h.service.reset(id, mine.credential, h.actor);
    expect((await h.service.prepareValidation(id, mine.credential)).ownCredential).toBe(true);
  });

  it('answers from the one read that told whose credential it is', async () => {
    const { session, credential } = await h.service.generate(h.actor);
    const other = await h.service.generate(h.actor);
    const { service, counter } = serviceCountingReads();

    const own = await service.prepareValidation(session.sessionId, credential);
    expect(counter.reads).toBe(1);
    expect(validSession(await own.answer(h.actor))).toEqual(session);
    expect(counter.reads).toBe(1);

    const guess = await service.prepareValidation(session.sessionId, other.credential);
    expectInvalid(await guess.answer(h.actor), 'forbidden', false);
    expect(counter.reads).toBe(2);
  });

  it('reads nothing for a call without a credential until it is answered', async () => {
    const { session } = await h.service.generate(h.actor);
    const { service, counter } = serviceCountingReads();

    const cookieless = await service.prepareValidation(session.sessionId, undefined);
    expect(counter.reads).toBe(0);
    expectInvalid(await cookieless.answer(h.actor), 'forbidden', false);
    expect(counter.reads).toBe(1);
  });

  it('answers an expired session as validate does, expiring it on the spot', async () => {
    const { session, credential } = await h.service.generate(h.actor);
    const prepared = await h.service.prepareValidation(session.sessionId, credential);
    h.clock.advance(IDLE_TTL_MS);

    expectInvalid(await prepared.answer(h.actor), 'expired', true);
  });
});
