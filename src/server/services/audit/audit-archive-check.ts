import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { chainHash, type ChainedRow } from './audit-chain.js';
import { archiveDigest, archiveKeys, archiveManifestSchema, fromArchiveLine, type ArchiveManifest } from './audit-archive-format.js';

/** An archive in the store does not hold what its name and manifest say: tampered with, or not written by an archiver. */
export class ArchiveContentError extends Error {
  override name = 'ArchiveContentError';
  constructor(
    message: string,
    /** The row the problem is first seen at, where there is one. */
    readonly rowId?: number,
  ) {
    super(message);
  }
}

/** A manifest's text, parsed, and checked against the range its key names. */
export function parseManifest(text: string, fromId: number, toId: number): ArchiveManifest {
  const keys = archiveKeys(fromId, toId);
  let manifest: ArchiveManifest;
  try {
    manifest = archiveManifestSchema.parse(JSON.parse(text));
  } catch (error) {
    const reason = error instanceof z.ZodError ? z.prettifyError(error).replaceAll('\n', ' ') : 'it is not JSON';
    throw new ArchiveContentError(`the manifest ${keys.manifest} is not an archive manifest: ${reason}`, fromId);
  }
  const expected = { key: keys.data, fromId, toId, rows: toId - fromId + 1, 'head.id': toId };
  const recorded = { key: manifest.key, fromId: manifest.fromId, toId: manifest.toId, rows: manifest.rows, 'head.id': manifest.head.id };
  for (const field of Object.keys(expected) as (keyof typeof expected)[]) {
    if (recorded[field] !== expected[field]) {
      throw new ArchiveContentError(`the manifest ${keys.manifest} records ${field} ${JSON.stringify(recorded[field])} where its name says ${JSON.stringify(expected[field])}`, fromId);
    }
  }
  return manifest;
}

/**
 * The rows of an archive's data object, checked against the range its key names and, where there is
 * one, its manifest: every id from..to once and in order, each row hashing to its stored hash and
 * linking to the row before it, the first linking to the manifest's prevHash, the last being its
 * head, and the bytes matching its SHA-256. Row problems are reported before a digest mismatch:
 * naming the row helps more, and the digest still catches what no row shows (bytes re-packed).
 */
export function archivedRows(data: Buffer, fromId: number, toId: number, manifest: ArchiveManifest | null): ChainedRow[] {
  const key = archiveKeys(fromId, toId).data;
  const where = `(archived in ${key})`;
  let lines: string[];
  try {
    lines = gunzipSync(data).toString('utf8').split('\n');
  } catch {
    throw new ArchiveContentError(`${key} is not gzip data`, fromId);
  }
  if (lines.at(-1) === '') lines.pop();
  const rows = lines.map((line, index) => {
    try {
      return fromArchiveLine(line);
    } catch {
      throw new ArchiveContentError(`line ${index + 1} of ${key} is not an archived row`, fromId + index);
    }
  });

  let before = manifest?.prevHash;
  for (const [index, row] of rows.entries()) {
    const id = fromId + index;
    if (row.id !== id) throw new ArchiveContentError(`${key} holds row ${row.id} where row ${id} belongs`, id);
    if (chainHash(row, row.prevHash) !== row.hash) throw new ArchiveContentError(`row ${id} was edited: its hash does not match its content ${where}`, id);
    if (before !== undefined && row.prevHash !== before) {
      const link = index === 0 ? `the prevHash of the manifest ${archiveKeys(fromId, toId).manifest}` : `row ${id - 1}`;
      throw new ArchiveContentError(`row ${id} does not link to ${link} ${where}`, id);
    }
    before = row.hash;
  }
  const expectedRows = toId - fromId + 1;
  if (rows.length !== expectedRows) throw new ArchiveContentError(`${key} holds ${rows.length} rows where its name says ${expectedRows}`, fromId + rows.length);
  if (manifest) {
    if (before !== manifest.head.hash) throw new ArchiveContentError(`row ${toId} is not the head the manifest ${archiveKeys(fromId, toId).manifest} records ${where}`, toId);
    const digest = archiveDigest(data);
    if (digest !== manifest.sha256) throw new ArchiveContentError(`${key} was rewritten: its SHA-256 is ${digest}, its manifest records ${manifest.sha256}`, fromId);
  }
  return rows;
}
