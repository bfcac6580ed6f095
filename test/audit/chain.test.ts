import path from 'node:path';
import { QueryTypes } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/server/db/database.js';
import { chainHash, GENESIS_HASH } from '../../src/server/services/audit/audit-chain.js';
import { AuditService, QUEUED_ROW_MAX_WAIT_MS } from '../../src/server/services/audit/audit.service.js';
import { auditChainParts, verifyAuditChain } from '../../src/server/services/audit/audit-verifier.js';
import { LocalObjectStore } from '../../src/server/storage/local-object-store.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { actor, recordMany, useChainDatabase } from './support/audit-fixtures.js';

describe.each(DATABASE_KINDS)('the audit chain on %s', (kind) => {
  const c = useChainDatabase(kind);
  const verify = () => verifyAuditChain(auditChainParts(c.db, new LocalObjectStore(path.join(c.testDb.dataDir, 'objects')), null));

  it('links every row to the one before, from the genesis hash, and verifies after 300 concurrent writes', async () => {
    await recordMany(c.audit(), 300);

    const rows = await c.rows.page(0, 1000);
    expect(rows.map((row) => row.id)).toEqual(Array.from({ length: 300 }, (_, index) => index + 1));
    expect(rows[0]?.prevHash).toBe(GENESIS_HASH);
    for (const [index, row] of rows.entries()) {
      expect(row.hash).toBe(chainHash(row, row.prevHash));
      if (index > 0) expect(row.prevHash).toBe(rows[index - 1]?.hash);
    }
    expect(await verify()).toMatchObject({ ok: true, rows: 300, head: { lastId: 300, hash: rows.at(-1)?.hash } });
  });

  it('writes concurrent rows in group commits: many rows, fewer transactions', async () => {
    const batches: number[] = [];
    await recordMany(c.audit({ onBatch: (size) => batches.push(size) }), 200);

    expect(batches.reduce((sum, size) => sum + size, 0)).toBe(200);
    expect(batches.length).toBeLessThan(200);
    expect(Math.max(...batches)).toBeGreaterThan(1);
  });

  it('with a window, waits for rows that arrive a little later and writes them in the same commit', async () => {
    const batches: number[] = [];
    const audit = c.audit({ windowMs: 200, onBatch: (size) => batches.push(size) });
    const recorded: Promise<void>[] = [];
    for (let i = 0; i < 5; i += 1) {
      recorded.push(audit.record({ event: 'session.validated', outcome: 'success', actor: actor('window') }));
      // Each on a later turn of the event loop: without a window, the first would already be on its way.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(recorded);
    expect(batches).toEqual([5]);
  });

  it('commits a steady stream of queued rows in few writes: rows that arrive during a write wait out their window', async () => {
    const batches: number[] = [];
    const audit = c.audit({ onBatch: (size) => batches.push(size) });
    const started = Date.now();
    for (let i = 0; i < 300; i += 1) {
      audit.enqueue({ event: 'session.validated', outcome: 'success', actor: actor('stream') });
      // A row every millisecond or so, as validations under load arrive, over several windows and many writes' time.
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const elapsed = Date.now() - started;
    await audit.flush();

    expect(batches.reduce((sum, size) => sum + size, 0)).toBe(300);
    // A write starts when its oldest row has waited QUEUED_ROW_MAX_WAIT_MS (or the batch is full), not as soon as the last one ends.
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(elapsed / QUEUED_ROW_MAX_WAIT_MS) + 2);
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('resolves record() only once the row has committed: another connection sees it at once', async () => {
    const other = createDatabase(c.testDb.url);
    try {
      const who = actor('durability');
      await c.audit().record({ event: 'session.validated', outcome: 'success', actor: who });
      const seen = await other.sequelize.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM audit_logs WHERE request_id = :id', {
        replacements: { id: who.requestId },
        type: QueryTypes.SELECT,
      });
      expect(Number(seen[0]?.n)).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('chains a row written inside a caller\'s transaction, and leaves no trace when it rolls back', async () => {
    const audit = c.audit();
    const before = await c.rows.head();
    await expect(
      c.db.transaction(async (t) => {
        await audit.record({ event: 'session.reset', outcome: 'success', actor: actor('rolled-back') }, t);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await c.rows.head()).toEqual(before);

    await c.db.transaction((t) => audit.record({ event: 'session.reset', outcome: 'success', actor: actor('committed') }, t));
    await recordMany(audit, 5);
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('keeps rows from several writers (as separate instances have) in one valid chain', async () => {
    const writers = [c.audit(), c.audit(), c.audit()];
    await Promise.all(writers.map((writer) => recordMany(writer, 60)));
    const result = await verify();
    expect(result).toMatchObject({ ok: true });
  });

  it('fails a whole group commit together when its transaction fails (fault injected: a closed database)', async () => {
    const broken = createDatabase(c.testDb.url);
    await broken.close();
    const audit = new AuditService({ db: broken, clock: () => new Date() });
    const results = await Promise.allSettled([1, 2, 3].map(() => audit.record({ event: 'session.validated', outcome: 'success', actor: actor('fault') })));
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await verify()).toMatchObject({ ok: true });
  });
});
