import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/database.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { cliEnv, recordMany, runAuditVerify, useChainDatabase } from './support/audit-fixtures.js';

/** Swaps the ids of two rows: each keeps its content and hash, so each sits where the other was. */
async function swapRows(db: Database, a: number, b: number): Promise<void> {
  await db.transaction(async (transaction) => {
    const move = (from: number, to: number) =>
      db.sequelize.query('UPDATE audit_logs SET id = :to WHERE id = :from', { replacements: { from, to }, transaction });
    await move(a, -1);
    await move(b, a);
    await move(-1, b);
  });
}

describe('npm run audit:verify', () => {
  it('exits 2 when it cannot read the chain at all (a database never migrated)', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tabsync-verify-unmigrated-'));
    try {
      const run = await runAuditVerify({ DATABASE_URL: `sqlite:${path.join(dataDir, 'empty.sqlite')}`, DATA_DIR: dataDir });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('audit:verify could not read the chain');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe.each(DATABASE_KINDS)('npm run audit:verify on %s', (kind) => {
  const c = useChainDatabase(kind);

  /** Runs the CLI against the database as it is now, then lets `tamper` change it and runs it again. */
  async function verifyAfter(tamper: (db: Database) => Promise<unknown>) {
    await tamper(c.db);
    return runAuditVerify(cliEnv(c.testDb));
  }

  it('exits 0 with a one-line summary on an intact chain', async () => {
    await recordMany(c.audit(), 20);
    const run = await runAuditVerify(cliEnv(c.testDb));
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toMatch(/^audit chain OK: 20 rows, head row 20 [0-9a-f]{64}; no checkpoint$/m);
  });

  it('names an edited row', async () => {
    const run = await verifyAfter((db) => db.sequelize.query("UPDATE audit_logs SET outcome = 'failure' WHERE id = 7"));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('BROKEN at row 7: row 7 was edited');
    await c.db.sequelize.query("UPDATE audit_logs SET outcome = 'success' WHERE id = 7");
    expect((await runAuditVerify(cliEnv(c.testDb))).code).toBe(0);
  });

  it('names the first of two swapped rows', async () => {
    const run = await verifyAfter((db) => swapRows(db, 11, 12));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('BROKEN at row 11: row 11 is out of order');
    await swapRows(c.db, 11, 12);
  });

  it('names a deleted row, and rows deleted from the end of the chain', async () => {
    const [saved] = await c.db.sequelize.query<Record<string, unknown>>('SELECT * FROM audit_logs WHERE id = 4', { type: QueryTypes.SELECT });
    const removed = await verifyAfter((db) => db.sequelize.query('DELETE FROM audit_logs WHERE id = 4'));
    expect(removed.code).toBe(1);
    expect(removed.stderr).toContain('BROKEN at row 4: row 4 was removed');

    const metadata = saved?.metadata;
    await c.db.sequelize.getQueryInterface().bulkInsert('audit_logs', [{ ...saved, metadata: typeof metadata === 'string' ? metadata : JSON.stringify(metadata) }]);
    expect((await runAuditVerify(cliEnv(c.testDb))).code).toBe(0);

    const tail = await verifyAfter((db) => db.sequelize.query('DELETE FROM audit_logs WHERE id >= 19'));
    expect(tail.code).toBe(1);
    expect(tail.stderr).toContain('BROKEN at row 19: rows 19–20 were removed from the end of the chain');
  });
});
