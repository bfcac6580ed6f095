import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { listAll, ObjectNotFoundError, type ObjectStore } from '../../storage/object-store.js';
import type { ChainedRow } from './audit-chain.js';
import { ArchiveContentError, archivedRows, parseManifest } from './audit-archive-check.js';
import { ARCHIVE_PREFIX, archiveDigest, archiveKeys, CHECKPOINT_KEY, parseArchiveKey, toArchiveLine, type ArchiveKeys, type ArchiveManifest } from './audit-archive-format.js';

/** One archive as the store's listing shows it: a canonical range, and which of its two objects are there. */
export interface ArchiveEntry {
  fromId: number;
  toId: number;
  keys: ArchiveKeys;
  hasManifest: boolean;
  hasData: boolean;
}

export interface ArchiveListing {
  /** Oldest rows first (by first id, then last id). */
  archives: ArchiveEntry[];
  /** Keys under audit/ that are neither a canonical archive object nor the checkpoint. */
  foreign: string[];
}

export interface ReadArchive {
  /** Null for data whose manifest is missing (an archiver stopped between the two writes). */
  manifest: ArchiveManifest | null;
  rows: ChainedRow[];
}

/** Writes and reads the archived parts of the audit chain in the object store (layout: audit-archive-format.ts). */
export class AuditArchiveStore {
  constructor(private readonly objects: ObjectStore) {}

  /** Stores `rows` (consecutive ids, in chain order) as one archive, then its manifest: a manifest never names missing data. */
  async write(rows: readonly ChainedRow[], archivedAt: Date): Promise<ArchiveManifest> {
    const first = rows[0];
    const last = rows.at(-1);
    if (!first || !last) throw new RangeError('An audit archive holds at least one row.');
    if (last.id - first.id + 1 !== rows.length) throw new RangeError(`An audit archive holds consecutive rows (got ${rows.length} rows for ids ${first.id}–${last.id}).`);
    const keys = archiveKeys(first.id, last.id);
    // gzip's header carries no time here, so archiving the same rows twice writes the same bytes.
    const data = gzipSync(rows.map(toArchiveLine).join(''));
    await this.objects.put(keys.data, Readable.from([data]), { contentType: 'application/gzip' });
    const manifest: ArchiveManifest = {
      version: 1,
      key: keys.data,
      fromId: first.id,
      toId: last.id,
      rows: rows.length,
      sha256: archiveDigest(data),
      prevHash: first.prevHash,
      head: { id: last.id, hash: last.hash },
      archivedAt: archivedAt.toISOString(),
    };
    await this.objects.put(keys.manifest, Readable.from([JSON.stringify(manifest, null, 2)]), { contentType: 'application/json' });
    return manifest;
  }

  /** Every archive under audit/, and whatever else is there. */
  async list(): Promise<ArchiveListing> {
    const archives = new Map<string, ArchiveEntry>();
    const foreign: string[] = [];
    for await (const page of listAll(this.objects, ARCHIVE_PREFIX)) {
      for (const { key } of page) {
        if (key === CHECKPOINT_KEY) continue;
        const parsed = parseArchiveKey(key);
        if (!parsed) {
          foreign.push(key);
          continue;
        }
        const keys = archiveKeys(parsed.fromId, parsed.toId);
        const entry = archives.get(keys.data) ?? { fromId: parsed.fromId, toId: parsed.toId, keys, hasManifest: false, hasData: false };
        if (parsed.part === 'data') entry.hasData = true;
        else entry.hasManifest = true;
        archives.set(keys.data, entry);
      }
    }
    const sorted = [...archives.values()].sort((a, b) => a.fromId - b.fromId || a.toId - b.toId);
    return { archives: sorted, foreign };
  }

  /**
   * The rows of the archive `fromId`–`toId`, checked against its name and its manifest (see
   * archivedRows). With `requireManifest` false, data without a manifest is read on its name alone.
   * Content that does not hold up is ArchiveContentError; a store that does not answer throws as it does.
   */
  async read(fromId: number, toId: number, { requireManifest = true } = {}): Promise<ReadArchive> {
    const keys = archiveKeys(fromId, toId);
    const manifestBytes = await this.bytes(keys.manifest);
    if (!manifestBytes && requireManifest) throw new ArchiveContentError(`the manifest ${keys.manifest} is missing`, fromId);
    const manifest = manifestBytes ? parseManifest(manifestBytes.toString('utf8'), fromId, toId) : null;
    const data = await this.bytes(keys.data);
    if (!data) throw new ArchiveContentError(`the manifest ${keys.manifest} names ${keys.data}, which is missing`, fromId);
    return { manifest, rows: archivedRows(data, fromId, toId, manifest) };
  }

  private async bytes(key: string): Promise<Buffer | null> {
    try {
      return await buffer((await this.objects.get(key)).body);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return null;
      throw error;
    }
  }
}
