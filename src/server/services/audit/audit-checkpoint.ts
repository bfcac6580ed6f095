import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { z } from 'zod';
import { ObjectNotFoundError, type ObjectStore } from '../../storage/object-store.js';
import { chainHashSchema, CHECKPOINT_KEY } from './audit-archive-format.js';
import type { ChainHead } from './audit-store.js';

/**
 * The checkpoint: the chain head (id, hash) and when the workers saw it, stored beside the archives
 * as audit/checkpoint.json and signed with HMAC-SHA256. The database's own head row moves with the
 * rows, so someone who deletes the newest rows and rewinds it leaves a chain that verifies; the
 * checkpoint lives elsewhere, and without the key it cannot be rewritten to match.
 */
export type CheckpointKeySource = 'AUDIT_CHECKPOINT_KEY' | 'ADMIN_TOKEN';

export interface CheckpointKey {
  /** The setting the key comes from: named in messages, never the key itself. */
  source: CheckpointKeySource;
  secret: Buffer;
}

/**
 * AUDIT_CHECKPOINT_KEY when set; otherwise a key derived from ADMIN_TOKEN (HKDF-SHA256, so the
 * signatures say nothing about the token); otherwise none, and checkpoints are written unsigned.
 */
export function checkpointKeyFrom(settings: { auditCheckpointKey?: string; adminToken?: string }): CheckpointKey | null {
  if (settings.auditCheckpointKey) return { source: 'AUDIT_CHECKPOINT_KEY', secret: Buffer.from(settings.auditCheckpointKey, 'utf8') };
  if (settings.adminToken) {
    return { source: 'ADMIN_TOKEN', secret: Buffer.from(hkdfSync('sha256', settings.adminToken, Buffer.alloc(0), 'tabsync audit checkpoint', 32)) };
  }
  return null;
}

const checkpointSchema = z.strictObject({
  version: z.literal(1),
  head: z.strictObject({ id: z.number().int().positive(), hash: chainHashSchema }),
  at: z.iso.datetime(),
  signature: z.strictObject({ key: z.enum(['AUDIT_CHECKPOINT_KEY', 'ADMIN_TOKEN']), hmacSha256: chainHashSchema }).nullable(),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

/** What the signature covers: every field but the signature, in a fixed order. */
function signatureOf(key: CheckpointKey, checkpoint: Pick<Checkpoint, 'version' | 'head' | 'at'>): string {
  const signed = JSON.stringify(['tabsync audit checkpoint', checkpoint.version, checkpoint.head.id, checkpoint.head.hash, checkpoint.at]);
  return createHmac('sha256', key.secret).update(signed).digest('hex');
}

/** A checkpoint is signed, but the verifier has no key to check it with: a setting is missing, not a chain broken. */
export class CheckpointKeyMissingError extends Error {
  override name = 'CheckpointKeyMissingError';
}

export type CheckpointRead = { checkpoint: Checkpoint } | { problem: string } | null;

/** Writes and reads audit/checkpoint.json, signing and checking it with `key` (null: unsigned). */
export class AuditCheckpoints {
  constructor(
    private readonly objects: ObjectStore,
    private readonly key: CheckpointKey | null,
  ) {}

  /** Stores `head` as seen at `at`; nothing while the chain is empty. */
  async write(head: ChainHead, at: Date): Promise<Checkpoint | null> {
    if (head.lastId === 0) return null;
    const unsigned = { version: 1 as const, head: { id: head.lastId, hash: head.hash }, at: at.toISOString() };
    const checkpoint: Checkpoint = { ...unsigned, signature: this.key ? { key: this.key.source, hmacSha256: signatureOf(this.key, unsigned) } : null };
    await this.objects.put(CHECKPOINT_KEY, Readable.from([JSON.stringify(checkpoint, null, 2)]), { contentType: 'application/json' });
    return checkpoint;
  }

  /**
   * The stored checkpoint if it holds up, a problem naming why it does not, or null when there is
   * none. Throws CheckpointKeyMissingError for a signed checkpoint when this side has no key.
   */
  async read(): Promise<CheckpointRead> {
    let stored: string;
    try {
      stored = await text((await this.objects.get(CHECKPOINT_KEY)).body);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return null;
      throw error;
    }
    let checkpoint: Checkpoint;
    try {
      checkpoint = checkpointSchema.parse(JSON.parse(stored));
    } catch {
      return { problem: `${CHECKPOINT_KEY} is not a checkpoint (it was edited, or not written by the workers)` };
    }
    const { signature } = checkpoint;
    if (!this.key) {
      if (!signature) return { checkpoint };
      throw new CheckpointKeyMissingError(
        `${CHECKPOINT_KEY} is signed (with the key from ${signature.key}), but no key is set here: run audit:verify with the workers' AUDIT_CHECKPOINT_KEY (or ADMIN_TOKEN)`,
      );
    }
    if (!signature) return { problem: `${CHECKPOINT_KEY} is not signed, but ${this.key.source} is set: it was forged, or written by workers that have no key` };
    const expected = Buffer.from(signatureOf(this.key, checkpoint), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(signature.hmacSha256, 'hex'))) {
      const otherKey = signature.key === this.key.source ? '' : `, or the workers sign with the key from ${signature.key}`;
      return { problem: `the signature of ${CHECKPOINT_KEY} does not match the key from ${this.key.source}: it was forged or edited${otherKey}` };
    }
    return { checkpoint };
  }
}
