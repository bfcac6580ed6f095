import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/server/db/database.js';
import { createMigrator } from '../../src/server/db/migrator.js';
import { chainAfter, GENESIS_HASH } from '../../src/server/services/audit/audit-chain.js';
import { AuditStore } from '../../src/server/services/audit/audit-store.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.js';

/**
 * The migration that introduced the chain carries its own copy of the hash (a migration must not
 * change when the code does): the rows it chains must verify with the audit code's hash all the same.
 */
describe.each(DATABASE_KINDS)('the audit chain migration on %s', (kind) => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    db = createDatabase(testDb.url);
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  it('chains the rows written before it, renumbered without gaps, as the audit code hashes them', async () => {
    const migrator = createMigrator(db.sequelize);
    await migrator.up({ to: '0001-initial-schema' });
    const rows = [
      { id: 3, session_id: null, event: 'session.validation_failed', outcome: 'refused', ip: '127.0.0.1', user_agent: 'curl/8', request_id: 'r-1', metadata: JSON.stringify({ reason: 'not_found', nested: { b: 1, a: [2, { d: 3, c: 4 }] } }), created_at: '2026-01-02 03:04:05.678' },
      { id: 7, session_id: '0190a0b2-4c5d-7e6f-8a9b-0c1d2e3f4a5b', event: 'session.generated', outcome: 'success', ip: null, user_agent: null, request_id: null, metadata: '{}', created_at: '2026-01-02 03:04:06.000' },
      { id: 8, session_id: '0190a0b2-4c5d-7e6f-8a9b-0c1d2e3f4a5b', event: 'session.reset', outcome: 'success', ip: '::1', user_agent: 'ü', request_id: 'r-2', metadata: JSON.stringify({ newSessionId: 'x' }), created_at: '2026-01-02 03:04:07.001' },
    ];
    for (const row of rows) {
      await db.sequelize.query(
        'INSERT INTO audit_logs (id, session_id, event, outcome, ip, user_agent, request_id, metadata, created_at) VALUES (:id, :session_id, :event, :outcome, :ip, :user_agent, :request_id, :metadata, :created_at)',
        { replacements: row, type: QueryTypes.INSERT },
      );
    }
    await migrator.up();

    const store = new AuditStore(db);
    const chained = await store.page(0, 100);
    expect(chained.map((row) => row.id)).toEqual([1, 2, 3]);
    expect(chained.map((row) => row.event)).toEqual(rows.map((row) => row.event));
    // The audit code's own hash over the same contents gives the same chain.
    const expected = chainAfter({ lastId: 0, hash: GENESIS_HASH }, chained.map(({ id: _id, prevHash: _prev, hash: _hash, ...content }) => content));
    expect(chained.map((row) => [row.prevHash, row.hash])).toEqual(expected.map((row) => [row.prevHash, row.hash]));
    expect(await store.head()).toMatchObject({ lastId: 3, hash: expected[2]?.hash });
  });
});
