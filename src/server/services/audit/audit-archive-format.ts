import { z } from 'zod';
import type { ChainedRow } from './audit-chain.js';

/**
 * How archived audit rows lie in the object store:
 *   audit/<from>-<to>.ndjson.gz        the rows with ids from..to, one JSON object a line, gzip
 *   audit/<from>-<to>.manifest.json    what the archive holds and the chain head at its end
 * Ids are zero-padded to 20 digits so that the store's key order is the chain's order. Each archive
 * has a manifest of its own, so two archivers never rewrite one shared file.
 */
export const ARCHIVE_PREFIX = 'audit/';

const pad = (id: number) => String(id).padStart(20, '0');

export function archiveKeys(fromId: number, toId: number): { data: string; manifest: string } {
  const stem = `${ARCHIVE_PREFIX}${pad(fromId)}-${pad(toId)}`;
  return { data: `${stem}.ndjson.gz`, manifest: `${stem}.manifest.json` };
}

const hash = z.string().regex(/^[0-9a-f]{64}$/);

export const archiveManifestSchema = z.object({
  version: z.literal(1),
  key: z.string(),
  fromId: z.number().int().positive(),
  toId: z.number().int().positive(),
  rows: z.number().int().positive(),
  /** The hash the first archived row links to: the head before this archive. */
  prevHash: hash,
  /** The chain head at the archive boundary: the first row left in the database links to it. */
  head: z.object({ id: z.number().int().positive(), hash }),
  archivedAt: z.iso.datetime(),
});
export type ArchiveManifest = z.infer<typeof archiveManifestSchema>;

/** One NDJSON line: the row as the chain saw it, times as ISO strings. */
const archivedRowSchema = z.object({
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
