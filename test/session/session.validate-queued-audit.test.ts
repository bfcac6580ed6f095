import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/database.js';
import type { Actor } from '../../src/server/services/actor.js';
import { chainHash, type ChainedRow } from '../../src/server/services/audit/audit-chain.js';
import { AuditService } from '../../src/server/services/audit/audit.service.js';
import { AuditStore } from '../../src/server/services/audit/audit-store.js';
import { SessionService } from '../../src/server/services/session/session.service.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { IDLE_TTL_MS, MAX_AGE_MS, newActor, sessionRow, useSessionService, validSession, type SessionServiceFixture } from './support/session-fixtures.js';

/**
 * Fault injection: the database as the audit service sees it, whose transactions wait at a gate
 * until `open()`. The sessions themselves are written through the real database.
 */
function gatedDatabase(db: Database) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => { open = resolve; });
  let reached!: () => void;
  const firstReached = new Promise<void>((resolve) => { reached = resolve; });
  const gated: Database = {
    ...db,
    async transaction(work) {
      reached();
      await opened;
      return db.transaction(work);
    },
  };
  return { db: gated, open, firstReached };
}

function serviceOn(h: SessionServiceFixture, audit: AuditService): SessionService {
  return new SessionService({ db: h.db, audit, events: h.events, clock: h.clock.now, idleTtlMs: IDLE_TTL_MS, maxAgeMs: MAX_AGE_MS });
}

/** The chain's rows with these request ids, in chain order, after checking every row's hash and its link to the row before. */
async function chainedRowsOf(db: Database, actors: readonly Actor[]): Promise<ChainedRow[]> {
  const all = await new AuditStore(db).page(0, 100_000);
  all.forEach((row, index) => {
    expect(row.hash).toBe(chainHash(row, row.prevHash));
    if (index > 0) expect([row.id, row.prevHash]).toEqual([(all[index - 1]?.id ?? 0) + 1, all[index - 1]?.hash]);
  });
  const ids = new Set(actors.map((actor) => actor.requestId));
  return all.filter((row) => ids.has(row.requestId));
}

const settled = <T>(promise: Promise<T>) => {
  const state = { done: false };
  promise.then(() => { state.done = true; }, () => { state.done = true; });
  return state;
};

describe.each(DATABASE_KINDS)('session.validate does not wait for its audit row, on %s', (kind) => {
  const h = useSessionService(kind);

  it('with the audit commit held (fault injection), validate answers while a reset waits until its rows are durable', async () => {
    const { session, credential } = await h.service.generate(h.actor);
    await h.audit.flush();
    const gate = gatedDatabase(h.db);
    const audit = new AuditService({ db: gate.db, clock: h.clock.now });
    const service = serviceOn(h, audit);
    const validator = newActor();
    const resetter = newActor();

    const answer = await Promise.race([
      service.validate(session.sessionId, credential, validator),
      gate.firstReached.then(() => new Promise<'still waiting on the audit commit'>((resolve) => setImmediate(() => { resolve('still waiting on the audit commit'); }))),
    ]);
    expect(answer).not.toBe('still waiting on the audit commit');
    if (answer === 'still waiting on the audit commit') return;
    validSession(answer);

    // The reset's change commits, but its answer waits for its audit rows, which wait at the gate.
    const resetting = service.reset(session.sessionId, credential, resetter);
    const resetState = settled(resetting);
    await expect.poll(async () => (await sessionRow(h.db, session.sessionId)).status).toBe('reset');
    await gate.firstReached;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(resetState.done).toBe(false);
    expect((await chainedRowsOf(h.db, [validator, resetter])).length).toBe(0);

    gate.open();
    const issued = await resetting;
    // Answered: its rows are in the chain now, after the validation queued before them.
    expect((await chainedRowsOf(h.db, [validator, resetter])).map((row) => [row.event, row.sessionId])).toEqual([
      ['session.validated', session.sessionId],
      ['session.generated', issued.session.sessionId],
      ['session.reset', session.sessionId],
    ]);
    await audit.close();
  });

  it('after close() every queued validation row is in the chain, hash-linked in the order validated', async () => {
    const audit = new AuditService({ db: h.db, clock: h.clock.now });
    const service = serviceOn(h, audit);
    const issued = await Promise.all(Array.from({ length: 5 }, () => h.service.generate(h.actor)));
    await h.audit.flush();

    const validators: Actor[] = [];
    for (let round = 0; round < 4; round += 1) {
      for (const { session, credential } of issued) {
        const validator = newActor();
        validators.push(validator);
        validSession(await service.validate(session.sessionId, credential, validator));
      }
    }
    await audit.close();

    const rows = await chainedRowsOf(h.db, validators);
    expect(rows.map((row) => row.requestId)).toEqual(validators.map((validator) => validator.requestId));
    expect(rows.every((row) => row.event === 'session.validated' && row.outcome === 'success')).toBe(true);
  });
});
