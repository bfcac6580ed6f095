import { randomBytes, randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/server/db/database.js';
import { findSessionById, findSessionByTokenHash } from '../../src/server/db/session-reads.js';
import { createTestDatabase, DATABASE_KINDS, type DatabaseKind, type TestDatabase } from '../support/databases.js';

/**
 * Plain reads (`selectOne`) run as prepared statements: kept ones on SQLite (sqlite-prepared-reads.ts),
 * named ones on PostgreSQL (postgres-select-one.ts).
 */
describe.each(DATABASE_KINDS)('plain reads on %s', (kind: DatabaseKind) => {
  let testDb: TestDatabase;
  let db: Database;
  let closed = false;

  beforeEach(async () => {
    testDb = await createTestDatabase(kind);
    db = createDatabase(testDb.url);
    closed = false;
    await db.migrate();
  });
  afterEach(async () => {
    if (!closed) await db.close();
    await testDb.drop();
  });

  async function addSession(): Promise<string> {
    const id = randomUUID();
    const now = new Date();
    await db.models.UserSession.create({ id, tokenHash: randomBytes(32).toString('hex'), status: 'active', createdAt: now, lastSeenAt: now, expiresAt: new Date(now.getTime() + 60_000), version: 1 });
    return id;
  }

  it('read what was last committed, through every kept statement, many at once', async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, () => addSession()));
    const first = await Promise.all(ids.flatMap((id) => Array.from({ length: 10 }, () => findSessionById(db, id))));
    expect(first.map((row) => row?.id)).toEqual(ids.flatMap((id) => Array<string>(10).fill(id)));

    for (const id of ids) await db.models.UserSession.update({ status: 'reset', version: 2 }, { where: { id } });
    const again = await Promise.all(ids.flatMap((id) => Array.from({ length: 10 }, () => findSessionById(db, id))));
    expect(again.every((row) => row?.status === 'reset' && row.version === 2)).toBe(true);
    expect(await findSessionById(db, randomUUID())).toBeNull();
  });

  if (kind === 'sqlite') {
    it('hold no read snapshot between calls, so the WAL can be checkpointed to nothing (SQLite)', async () => {
      const ids = await Promise.all(Array.from({ length: 20 }, () => addSession()));
      await Promise.all(ids.map((id) => findSessionById(db, id)));
      await addSession(); // a write after the reads: a snapshot still held would stop the checkpoint before it
      const [result] = await db.sequelize.query<{ busy: number; log: number; checkpointed: number }>('PRAGMA wal_checkpoint(TRUNCATE)', { type: QueryTypes.SELECT });
      expect(result).toEqual({ busy: 0, log: 0, checkpointed: 0 });
    });
  }

  it('let the database close once they have run, and refuse to run after', async () => {
    const id = await addSession();
    await findSessionById(db, id);
    await db.close();
    closed = true;
    await expect(findSessionById(db, id)).rejects.toThrow(/closed/);
  });

  it('keep each query apart from the others (by id, by token hash)', async () => {
    const id = await addSession();
    const row = await findSessionById(db, id);
    const [byId, byToken] = await Promise.all([findSessionById(db, id), findSessionByTokenHash(db, row?.tokenHash ?? '')]);
    expect(byId?.id).toBe(id);
    expect(byToken?.id).toBe(id);
  });

  it('report a query that does not prepare, and go on with the next', async () => {
    await expect(db.selectOne('SELECT nope FROM user_sessions WHERE id = $1', ['x'])).rejects.toThrow(/no such column|does not exist/);
    const id = await addSession();
    expect((await findSessionById(db, id))?.id).toBe(id);
  });
});
