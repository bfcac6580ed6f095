import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_KEY } from '../../src/server/services/audit/audit-archive-format.js';
import { AuditCheckpoints, checkpointKeyFrom, type Checkpoint } from '../../src/server/services/audit/audit-checkpoint.js';
import { auditChainParts, verifyAuditChain } from '../../src/server/services/audit/audit-verifier.js';
import { LocalObjectStore } from '../../src/server/storage/local-object-store.js';
import { DATABASE_AND_STORE_KINDS } from '../support/store-kinds.js';
import { bytesOf, recordMany, runAuditVerify, useArchiveStore, useChainDatabase } from './support/audit-fixtures.js';
import { rewriteChainFrom, truncateChain } from './support/chain-tampering.js';

const KEY = 'checkpoint-test-key-0123456789abcdef0123456789';
const ADMIN_TOKEN = 'checkpoint-test-admin-token-0123456789';

describe.each(DATABASE_AND_STORE_KINDS)('the audit checkpoint on %s with the %s store', (kind, storeKind) => {
  const c = useChainDatabase(kind);
  const store = useArchiveStore(c, storeKind);
  let checkpoint: Checkpoint | null;
  /** Undoes what a test did to the database. */
  let restore: (() => Promise<void>) | undefined;

  const checkpoints = (settings: { auditCheckpointKey?: string; adminToken?: string } = { auditCheckpointKey: KEY }) => new AuditCheckpoints(store.objects, checkpointKeyFrom(settings));
  const verifyWithKey = () => runAuditVerify({ ...store.env, AUDIT_CHECKPOINT_KEY: KEY });
  /** What verification saw before checkpoints: the database (and an empty store). */
  const verifyWithoutCheckpoint = () => verifyAuditChain(auditChainParts(c.db, new LocalObjectStore(path.join(c.testDb.dataDir, 'no-checkpoint')), null));

  beforeAll(async () => {
    await recordMany(c.audit(), 20);
  });
  afterEach(async () => {
    await restore?.();
    restore = undefined;
    checkpoint = await checkpoints().write(await c.rows.head(), new Date());
  });

  it('verifies with the checkpoint at the head, and names it in the summary', async () => {
    checkpoint = await checkpoints().write(await c.rows.head(), new Date());
    expect(JSON.parse((await bytesOf(store.objects, CHECKPOINT_KEY)).toString())).toEqual(checkpoint);

    const run = await verifyWithKey();
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^audit chain OK: 20 rows, head row 20 [0-9a-f]{64}; checkpoint of ${checkpoint?.at} at row 20, signed with the key from AUDIT_CHECKPOINT_KEY$`, 'm'));
  });

  it('names the rows removed from the end after a checkpoint, though the head row was rewound to match', async () => {
    restore = await truncateChain(c.db, 16);
    // The database alone verifies: only the checkpoint knows better.
    expect(await verifyWithoutCheckpoint()).toMatchObject({ ok: true, rows: 15 });

    const run = await verifyWithKey();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`audit chain BROKEN at row 16: the chain ends at row 15 but the checkpoint of ${checkpoint?.at} saw row 20: rows 16–20 were removed from the end`);
  });

  it('fails on a checkpoint whose signature was forged (another key), that is unsigned, or whose head was edited', async () => {
    restore = await truncateChain(c.db, 19);
    const forged = async (store: AuditCheckpoints) => {
      await store.write(await c.rows.head(), new Date());
      return verifyWithKey();
    };

    const otherKey = await forged(checkpoints({ auditCheckpointKey: 'an-attackers-own-key-0123456789abcdef' }));
    expect(otherKey.code).toBe(1);
    expect(otherKey.stderr).toContain('audit chain BROKEN: the signature of audit/checkpoint.json does not match the key from AUDIT_CHECKPOINT_KEY: it was forged or edited');

    const unsigned = await forged(checkpoints({}));
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain('audit chain BROKEN: audit/checkpoint.json is not signed, but AUDIT_CHECKPOINT_KEY is set: it was forged, or written by workers that have no key');

    // The genuine signature of row 20's checkpoint over a head moved back to row 18.
    const moved = { ...checkpoint, head: { id: 18, hash: (await c.rows.head()).hash } };
    await store.objects.put(CHECKPOINT_KEY, Readable.from([JSON.stringify(moved)]));
    const edited = await verifyWithKey();
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain('audit chain BROKEN: the signature of audit/checkpoint.json does not match the key from AUDIT_CHECKPOINT_KEY: it was forged or edited');
  });

  it('fails when the row the checkpoint saw was rewritten, though the rewritten chain links up to a rewritten head', async () => {
    restore = await rewriteChainFrom(c.db, 17, 'failure');
    expect(await verifyWithoutCheckpoint()).toMatchObject({ ok: true, rows: 20 });

    const run = await verifyWithKey();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`audit chain BROKEN at row 20: row 20 is not the row the checkpoint of ${checkpoint?.at} saw there: the chain was rewritten from there or before`);
  });

  it('exits 2 when the checkpoint is signed but audit:verify has no key to check it with', async () => {
    const run = await runAuditVerify(store.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('audit:verify could not read the chain: audit/checkpoint.json is signed (with the key from AUDIT_CHECKPOINT_KEY), but no key is set here');
  });

  it('signs with a key derived from ADMIN_TOKEN when AUDIT_CHECKPOINT_KEY is unset, which only that token checks', async () => {
    await checkpoints({ adminToken: ADMIN_TOKEN }).write(await c.rows.head(), new Date());

    const run = await runAuditVerify({ ...store.env, ADMIN_TOKEN });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/at row 20, signed with the key from ADMIN_TOKEN$/m);
    const other = await verifyAuditChain(auditChainParts(c.db, store.objects, checkpointKeyFrom({ adminToken: `${ADMIN_TOKEN}-other` })));
    expect(other).toMatchObject({ ok: false, broken: { message: expect.stringContaining('does not match the key from ADMIN_TOKEN') as string } });
  });
});
