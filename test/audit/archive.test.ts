import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config/env.js';
import { AuditArchiveStore } from '../../src/server/services/audit/audit-archive-store.js';
import { AuditArchiver } from '../../src/server/services/audit/audit-archiver.js';
import { verifyAuditChain } from '../../src/server/services/audit/audit-verifier.js';
import { createObjectStore } from '../../src/server/storage/create-object-store.js';
import type { ObjectStore } from '../../src/server/storage/object-store.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { startS3rver, type S3Server } from '../support/s3rver.js';
import { cliEnv, recordMany, runAuditVerify, useChainDatabase } from './support.js';

const DAY = 86_400_000;
const STORES = ['local', 's3'] as const;

async function bytesOf(store: ObjectStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await store.get(key)).body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe.each(DATABASE_KINDS.flatMap((kind) => STORES.map((store) => [kind, store] as const)))('archive-audit on %s with the %s store', (kind, storeKind) => {
  const c = useChainDatabase(kind);
  let s3: S3Server | undefined;
  let objects: ObjectStore;
  let env: Record<string, string>;

  beforeAll(async () => {
    s3 = storeKind === 's3' ? await startS3rver() : undefined;
    env = cliEnv(c.testDb, s3?.env);
    objects = createObjectStore(loadConfig({ NODE_ENV: 'test', ...env }));
  });
  afterAll(async () => {
    await objects.close();
    await s3?.stop();
  });

  const archives = () => new AuditArchiveStore(objects);
  const verify = () => verifyAuditChain({ rows: c.rows, archives: archives() });

  it('moves rows past retention to gzip NDJSON archives with manifests, and the chain verifies across the boundary', async () => {
    const now = Date.now();
    await recordMany(c.audit({ clock: () => new Date(now - 3 * DAY) }), 25);
    await recordMany(c.audit(), 5);
    const archiver = new AuditArchiver({ rows: c.rows, archives: archives(), clock: () => new Date(now), retentionMs: DAY, batchSize: 10 });

    expect(await archiver.run()).toEqual({ archives: 3, rows: 25 });

    const remaining = await c.rows.page(0, 100);
    expect(remaining.map((row) => row.id)).toEqual([26, 27, 28, 29, 30]);
    const manifests = await archives().manifests();
    expect(manifests.map((m) => [m.fromId, m.toId, m.rows])).toEqual([[1, 10, 10], [11, 20, 10], [21, 25, 5]]);
    expect(manifests[0]?.key).toBe('audit/00000000000000000001-00000000000000000010.ndjson.gz');
    expect(manifests.at(-1)?.head.hash).toBe(remaining[0]?.prevHash);
    const lines = gunzipSync(await bytesOf(objects, manifests[1]?.key ?? '')).toString().trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { id: number }).id)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);

    expect(await verify()).toMatchObject({ ok: true, rows: 30, archivedRows: 25, archives: 3 });
    const run = await runAuditVerify(env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^audit chain OK: 30 rows \(25 of them in 3 archives\), head row 30 /);

    expect(await archiver.run()).toEqual({ archives: 0, rows: 0 });
  });

  it('detects a row edited inside an archive', async () => {
    const [, second] = await archives().manifests();
    const key = second?.key ?? '';
    const lines = gunzipSync(await bytesOf(objects, key)).toString().split('\n');
    lines[4] = (lines[4] ?? '').replace('"outcome":"success"', '"outcome":"failure"');
    await objects.put(key, Readable.from([gzipSync(lines.join('\n'))]));

    const run = await runAuditVerify(env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`BROKEN at row 15: row 15 was edited: its hash does not match its content (archived in ${key})`);
  });
});
