import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ChainedRow } from './audit-chain.js';

/**
 * How archived audit rows lie in the object store:
 *   audit/<from>-<to>.ndjson.gz        the rows with ids from..to, one JSON object a line, gzip
 *   audit/<from>-<to>.manifest.json    what the archive holds, the SHA-256 of the .ndjson.gz as stored, and the chain head at its end
 *   audit/checkpoint.json              the chain head as the workers last saw it (audit-checkpoint.ts)
 * Ids are zero-padded to 20 digits so that the store's key order is the chain's order. Each archive
 * has a manifest of its own, so two archivers never rewrite one shared file. Nothing else belongs
 * under audit/: verification names any other key as a foreign object.
 */
export const ARCHIVE_PREFIX = 'audit/';
export const CHECKPOINT_KEY = `${ARCHIVE_PREFIX}checkpoint.json`;

const ID_DIGITS = 20;
const pad = (id: number) => String(id).padStart(ID_DIGITS, '0');
const CANONICAL_KEY = new RegExp(`^${ARCHIVE_PREFIX}(\\d{${ID_DIGITS}})-(\\d{${ID_DIGITS}})\\.(ndjson\\.gz|manifest\\.json)$`);

export interface ArchiveKeys {
  data: string;
  manifest: string;
}

export function archiveKeys(fromId: number, toId: number): ArchiveKeys {
  const stem = `${ARCHIVE_PREFIX}${pad(fromId)}-${pad(toId)}`;
  return { data: `${stem}.ndjson.gz`, manifest: `${stem}.manifest.json` };
}

/** The range and part a canonical archive key names, or null for any other key. */
export function parseArchiveKey(key: string): { fromId: number; toId: number; part: 'data' | 'manifest' } | null {
  const match = CANONICAL_KEY.exec(key);
  if (!match) return null;
  const fromId = Number(match[1]);
  const toId = Number(match[2]);
  // Only the spelling archiveKeys gives: no id 0, no range running backwards, nothing past a safe integer.
  if (!Number.isSafeInteger(toId) || fromId < 1 || toId < fromId) return null;
  return { fromId, toId, part: match[3] === 'ndjson.gz' ? 'data' : 'manifest' };
}

/** The digest a manifest records: SHA-256 (hex) of the compressed object exactly as stored, so `sha256sum` on a download gives it too. */
export function archiveDigest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export const chainHashSchema = z.string().regex(/^[0-9a-f]{64}$/);

export const archiveManifestSchema = z.object({
  version: z.literal(1),
  key: z.string(),
  fromId: z.number().int().positive(),
  toId: z.number().int().positive(),
  rows: z.number().int().positive(),
  /** SHA-256 (hex) of the data object as stored (gzip bytes). */
  sha256: chainHashSchema,
  /** The hash the first archived row links to: the head before this archive. */
  prevHash: chainHashSchema,
  /** The chain head at the archive boundary: the first row after the archive links to it. */
  head: z.object({ id: z.number().int().positive(), hash: chainHashSchema }),
  archivedAt: z.iso.datetime(),
});
export type ArchiveManifest = z.infer<typeof archiveManifestSchema>;

/** One NDJSON line: the row as the chain saw it, times as ISO strings; nothing else (the row hash would not cover it). */
const archivedRowSchema = z.strictObject({
  id: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  sessionId: z.string().nullable(),
  event: z.string(),
  outcome: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

export function toArchiveLine(row: ChainedRow): string {
  return `${JSON.stringify({ ...row, createdAt: row.createdAt.toISOString() })}\n`;
}

export function fromArchiveLine(line: string): ChainedRow {
  const parsed = archivedRowSchema.parse(JSON.parse(line));
  return { ...parsed, createdAt: new Date(parsed.createdAt) };
}
