import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { archiveKeys } from '../../src/server/services/audit/audit-archive-format.js';
import { AuditArchiveStore } from '../../src/server/services/audit/audit-archive-store.js';
import { AuditArchiver } from '../../src/server/services/audit/audit-archiver.js';
import { auditChainParts, verifyAuditChain } from '../../src/server/services/audit/audit-verifier.js';
import { DATABASE_AND_STORE_KINDS } from '../support/store-kinds.js';
import { bytesOf, recordMany, runAuditVerify, useArchiveStore, useChainDatabase } from './support/audit-fixtures.js';
import { rewriteChainFrom } from './support/chain-tampering.js';

const DAY = 86_400_000;

describe.each(DATABASE_AND_STORE_KINDS)('archive-audit on %s with the %s store', (kind, storeKind) => {
  const c = useChainDatabase(kind);
  const store = useArchiveStore(c, storeKind);

  const archives = () => new AuditArchiveStore(store.objects);
  const verify = () => verifyAuditChain(auditChainParts(c.db, store.objects, null));

  it('moves rows past retention to gzip NDJSON archives with manifests, and the chain verifies across the boundary', async () => {
    const now = Date.now();
    await recordMany(c.audit({ clock: () => new Date(now - 3 * DAY) }), 25);
    await recordMany(c.audit(), 5);
    const archiver = new AuditArchiver({ rows: c.rows, archives: archives(), clock: () => new Date(now), retentionMs: DAY, batchSize: 10 });

    expect(await archiver.run()).toEqual({ archives: 3, rows: 25 });

    const remaining = await c.rows.page(0, 100);
    expect(remaining.map((row) => row.id)).toEqual([26, 27, 28, 29, 30]);
    const listing = await archives().list();
    expect(listing.foreign).toEqual([]);
    expect(listing.archives.map((a) => [a.fromId, a.toId, a.hasManifest, a.hasData])).toEqual([[1, 10, true, true], [11, 20, true, true], [21, 25, true, true]]);
    const manifests = await Promise.all(listing.archives.map(async (a) => (await archives().read(a.fromId, a.toId)).manifest));
    expect(manifests.map((m) => [m?.fromId, m?.toId, m?.rows])).toEqual([[1, 10, 10], [11, 20, 10], [21, 25, 5]]);
    expect(manifests[0]?.key).toBe('audit/00000000000000000001-00000000000000000010.ndjson.gz');
    expect(manifests.at(-1)?.head.hash).toBe(remaining[0]?.prevHash);
    const data = await bytesOf(store.objects, manifests[1]?.key ?? '');
    expect(manifests[1]?.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    const lines = gunzipSync(data).toString().trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { id: number }).id)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);

    expect(await verify()).toMatchObject({ ok: true, rows: 30, archivedRows: 25, archives: 3 });
    const run = await runAuditVerify(store.env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^audit chain OK: 30 rows \(25 of them in 3 archives\), head row 30 /);

    expect(await archiver.run()).toEqual({ archives: 0, rows: 0 });
  });

  it('checks what an archiver stopped short of deleting against its archived copy: data without its manifest, rows still in the database', async () => {
    const kept = await c.rows.page(0, 100);
    // An archiver stopped after writing the data of rows 26–28, before their manifest (and so before deleting them).
    await archives().write(kept.slice(0, 3), new Date());
    await store.objects.deleteMany([archiveKeys(26, 28).manifest]);
    expect(await verify()).toMatchObject({ ok: true, rows: 30, archivedRows: 28, archives: 4 });

    // Rows 27–30 rewritten in the database, hashes and head included: the archived copy of row 27 still tells.
    const restore = await rewriteChainFrom(c.db, 27, 'failure');
    expect(await verify()).toEqual({
      ok: false,
      broken: { rowId: 27, message: `row 27 in the database differs from its archived copy in ${archiveKeys(26, 28).data}: one of them was altered` },
    });
    await restore();

    // The next run archives rows 26–30 again, over the data-only archive: the overlap is compared, not skipped.
    const archiver = new AuditArchiver({ rows: c.rows, archives: archives(), clock: () => new Date(Date.now() + 2 * DAY), retentionMs: DAY, batchSize: 10 });
    expect(await archiver.run()).toEqual({ archives: 1, rows: 5 });
    expect(await c.rows.page(0, 100)).toEqual([]);
    expect(await verify()).toMatchObject({ ok: true, rows: 30, archivedRows: 30, archives: 5 });
  });

  it('detects a row edited inside an archive', async () => {
    const key = archiveKeys(11, 20).data;
    const lines = gunzipSync(await bytesOf(store.objects, key)).toString().split('\n');
    lines[4] = (lines[4] ?? '').replace('"outcome":"success"', '"outcome":"failure"');
    await store.objects.put(key, Readable.from([gzipSync(lines.join('\n'))]));

    const run = await runAuditVerify(store.env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`BROKEN at row 15: row 15 was edited: its hash does not match its content (archived in ${key})`);
  });
});
