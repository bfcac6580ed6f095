import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chainAfter, type ChainedRow } from '../../src/server/services/audit/audit-chain.js';
import { archiveKeys, toArchiveLine } from '../../src/server/services/audit/audit-archive-format.js';
import { AuditArchiveStore } from '../../src/server/services/audit/audit-archive-store.js';
import { AuditArchiver } from '../../src/server/services/audit/audit-archiver.js';
import { ObjectNotFoundError } from '../../src/server/storage/object-store.js';
import { DATABASE_AND_STORE_KINDS } from '../support/store-kinds.js';
import { HookedStore } from '../support/store-wrappers.js';
import { bytesOf, recordMany, runAuditVerify, useArchiveStore, useChainDatabase } from './support/audit-fixtures.js';

const DAY = 86_400_000;

/**
 * Someone with write access to the object store (and none to the database) tampers with the
 * archives: audit:verify must see it, and the archiver must never delete a row on the store's word.
 */
describe.each(DATABASE_AND_STORE_KINDS)('tampered audit archives on %s with the %s store', (kind, storeKind) => {
  const c = useChainDatabase(kind);
  const store = useArchiveStore(c, storeKind);
  /** Every row as first written (ids 1–30): rows 1–25 are archived in beforeAll, 26–30 stay. */
  let written: ChainedRow[];
  const now = Date.now();
  /** What each test replaced (null: it was not there), put back after it. */
  const originals = new Map<string, Buffer | null>();

  const get = async (key: string): Promise<Buffer | null> => {
    try {
      return await bytesOf(store.objects, key);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return null;
      throw error;
    }
  };
  const put = async (key: string, bytes: Buffer | string) => {
    if (!originals.has(key)) originals.set(key, await get(key));
    await store.objects.put(key, Readable.from([Buffer.from(bytes)]));
  };
  const manifestOf = async (fromId: number, toId: number) => JSON.parse((await bytesOf(store.objects, archiveKeys(fromId, toId).manifest)).toString()) as Record<string, unknown>;
  const gzipLines = (rows: readonly ChainedRow[]) => gzipSync(rows.map(toArchiveLine).join(''));
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  beforeAll(async () => {
    await recordMany(c.audit({ clock: () => new Date(now - 3 * DAY) }), 25);
    await recordMany(c.audit(), 5);
    written = await c.rows.page(0, 100);
    const archiver = new AuditArchiver({ rows: c.rows, archives: new AuditArchiveStore(store.objects), clock: () => new Date(now), retentionMs: DAY, batchSize: 10 });
    expect(await archiver.run()).toEqual({ archives: 3, rows: 25 });
  });
  afterEach(async () => {
    for (const [key, bytes] of originals) {
      if (bytes) await store.objects.put(key, Readable.from([bytes]));
      else await store.objects.deleteMany([key]);
    }
    originals.clear();
  });

  it('verifies before anything is touched', async () => {
    const run = await runAuditVerify(store.env);
    expect(run.code).toBe(0);
  });

  it('fails on a decoy manifest under a name of its own, pointing at untouched rows while the canonical archive holds an edited one, and names it', async () => {
    const canonical = archiveKeys(11, 20);
    const original = await bytesOf(store.objects, canonical.data);
    // The decoy: the genuine rows 11–20 under another name, listed before the canonical archive.
    await put('audit/0.ndjson.gz', original);
    await put('audit/0.manifest.json', JSON.stringify({ ...(await manifestOf(11, 20)), key: 'audit/0.ndjson.gz' }));
    const lines = gunzipSync(original).toString().split('\n');
    lines[4] = (lines[4] ?? '').replace('"outcome":"success"', '"outcome":"failure"');
    await put(canonical.data, gzipSync(lines.join('\n')));

    const run = await runAuditVerify(store.env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'audit chain BROKEN: foreign objects under audit/: audit/0.manifest.json, audit/0.ndjson.gz (only <from>-<to>.ndjson.gz, <from>-<to>.manifest.json and checkpoint.json belong there)',
    );
  });

  it('compares archives that overlap row by row, never skipping one: a canonical archive of rows 1–20 does not hide rows 15–20 rewritten in archive 11–20', async () => {
    // Rows 15–20 rewritten and chained again, so that archive 11–20 is consistent with itself and its manifest...
    const [before14, ...rest] = written.slice(13, 20);
    if (!before14) throw new Error('row 14 is missing');
    const rewritten = chainAfter({ lastId: 14, hash: before14.hash }, rest.map((row, index) => (index === 0 ? { ...row, outcome: 'failure' } : row)));
    const data = gzipLines([...written.slice(10, 14), ...rewritten]);
    const last = rewritten.at(-1);
    await put(archiveKeys(11, 20).data, data);
    await put(archiveKeys(11, 20).manifest, JSON.stringify({ ...(await manifestOf(11, 20)), sha256: sha256(data), head: { id: 20, hash: last?.hash } }));
    // ...and the genuine rows 1–20 under a canonical name, read first: rows 11–20 are met twice.
    await new AuditArchiveStore(store.objects).write(written.slice(0, 20), new Date());
    originals.set(archiveKeys(1, 20).data, null);
    originals.set(archiveKeys(1, 20).manifest, null);

    const run = await runAuditVerify(store.env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `audit chain BROKEN at row 15: row 15 (archived in ${archiveKeys(11, 20).data}) differs from the copy of row 15 verified before it: one of them was altered`,
    );
  });

  it('fails when an archive\'s bytes no longer match the SHA-256 its manifest records, though every row still does', async () => {
    const key = archiveKeys(21, 25).data;
    const original = await bytesOf(store.objects, key);
    const repacked = gzipSync(gunzipSync(original), { level: 1 });
    expect(repacked.equals(original)).toBe(false);
    await put(key, repacked);

    const run = await runAuditVerify(store.env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`audit chain BROKEN at row 21: ${key} was rewritten: its SHA-256 is ${sha256(repacked)}, its manifest records ${sha256(original)}`);
  });

  it('fails on a manifest that disagrees with its own name', async () => {
    await put(archiveKeys(21, 25).manifest, JSON.stringify({ ...(await manifestOf(21, 25)), toId: 26, rows: 6 }));

    const run = await runAuditVerify(store.env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`audit chain BROKEN at row 21: the manifest ${archiveKeys(21, 25).manifest} records toId 26 where its name says 25`);
  });

  it('deletes no row on the word of a planted manifest that claims rows up to 999999999 were archived', async () => {
    const planted = archiveKeys(26, 999_999_999);
    await put(planted.manifest, JSON.stringify({ ...(await manifestOf(21, 25)), key: planted.data, fromId: 26, toId: 999_999_999, rows: 999_999_974, head: { id: 999_999_999, hash: 'f'.repeat(64) } }));
    const archiver = new AuditArchiver({ rows: c.rows, archives: new AuditArchiveStore(store.objects), clock: () => new Date(now), retentionMs: DAY, batchSize: 10 });

    expect(await archiver.run()).toEqual({ archives: 0, rows: 0 });
    expect((await c.rows.page(0, 100)).map((row) => row.id)).toEqual([26, 27, 28, 29, 30]);
    const run = await runAuditVerify(store.env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`audit chain BROKEN at row 26: the manifest ${planted.manifest} names ${planted.data}, which is missing`);
  });

  it('deletes nothing when the archive it just wrote does not read back (fault injected: the data object vanishes before the read-back)', async () => {
    const losing = new HookedStore(store.objects, async (operation, args) => {
      if (operation === 'get' && typeof args[0] === 'string' && args[0].endsWith('.ndjson.gz')) await store.objects.deleteMany([args[0]]);
    });
    // A day later rows 26–30 are past retention too.
    const archiver = new AuditArchiver({ rows: c.rows, archives: new AuditArchiveStore(losing), clock: () => new Date(now + 2 * DAY), retentionMs: DAY, batchSize: 10 });
    originals.set(archiveKeys(26, 30).manifest, null);

    await expect(archiver.run()).rejects.toThrow(`the manifest ${archiveKeys(26, 30).manifest} names ${archiveKeys(26, 30).data}, which is missing`);
    expect((await c.rows.page(0, 100)).map((row) => row.id)).toEqual([26, 27, 28, 29, 30]);
  });

  it('archives and deletes only the rows it read back, whatever a planted manifest claims', async () => {
    const planted = archiveKeys(1, 999_999_999);
    await put(planted.manifest, JSON.stringify({ ...(await manifestOf(1, 10)), key: planted.data, toId: 999_999_999, rows: 999_999_999, head: { id: 999_999_999, hash: 'f'.repeat(64) } }));
    const archiver = new AuditArchiver({ rows: c.rows, archives: new AuditArchiveStore(store.objects), clock: () => new Date(now + 2 * DAY), retentionMs: DAY, batchSize: 10 });

    expect(await archiver.run()).toEqual({ archives: 1, rows: 5 });
    expect(await c.rows.page(0, 100)).toEqual([]);
    const { manifest, rows } = await new AuditArchiveStore(store.objects).read(26, 30);
    expect(rows.map((row) => row.hash)).toEqual(written.slice(25).map((row) => row.hash));
    expect(manifest?.head).toEqual({ id: 30, hash: written.at(-1)?.hash });

    // Once the planted manifest is gone the chain verifies, all of it from the archives.
    await store.objects.deleteMany([planted.manifest]);
    originals.delete(planted.manifest);
    const run = await runAuditVerify(store.env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^audit chain OK: 30 rows \(30 of them in 4 archives\), head row 30 [0-9a-f]{64}; no checkpoint$/m);
  });
});
