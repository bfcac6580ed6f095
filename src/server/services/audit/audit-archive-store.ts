import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { createGunzip, gzipSync } from 'node:zlib';
import { listAll, type ObjectStore } from '../../storage/object-store.js';
import type { ChainedRow } from './audit-chain.js';
import { ARCHIVE_PREFIX, archiveKeys, archiveManifestSchema, fromArchiveLine, toArchiveLine, type ArchiveManifest } from './audit-archive-format.js';

/** Writes and reads the archived parts of the audit chain in the object store (layout: audit-archive-format.ts). */
export class AuditArchiveStore {
  constructor(private readonly objects: ObjectStore) {}

  /** Stores `rows` (consecutive, in chain order) as one archive, then its manifest: a manifest never names missing data. */
  async write(rows: readonly ChainedRow[], archivedAt: Date): Promise<ArchiveManifest> {
    const first = rows[0];
    const last = rows.at(-1);
    if (!first || !last) throw new RangeError('An audit archive holds at least one row.');
    const keys = archiveKeys(first.id, last.id);
    // gzip's header carries no time here, so archiving the same rows twice writes the same bytes.
    await this.objects.put(keys.data, Readable.from([gzipSync(rows.map(toArchiveLine).join(''))]), { contentType: 'application/gzip' });
    const manifest: ArchiveManifest = {
      version: 1,
      key: keys.data,
      fromId: first.id,
      toId: last.id,
      rows: rows.length,
      prevHash: first.prevHash,
      head: { id: last.id, hash: last.hash },
      archivedAt: archivedAt.toISOString(),
    };
    await this.objects.put(keys.manifest, Readable.from([JSON.stringify(manifest, null, 2)]), { contentType: 'application/json' });
    return manifest;
  }

  /** Every archive's manifest, oldest rows first. */
  async manifests(): Promise<ArchiveManifest[]> {
    const manifests: ArchiveManifest[] = [];
    for await (const page of listAll(this.objects, ARCHIVE_PREFIX)) {
      for (const object of page) {
        if (!object.key.endsWith('.manifest.json')) continue;
        const { body } = await this.objects.get(object.key);
        manifests.push(archiveManifestSchema.parse(JSON.parse(await text(body))));
      }
    }
    return manifests.sort((a, b) => a.fromId - b.fromId);
  }

  /** The rows of one archive, in the order they were written. */
  async rows(manifest: ArchiveManifest): Promise<ChainedRow[]> {
    const { body } = await this.objects.get(manifest.key);
    const ndjson = await text(body.pipe(createGunzip()));
    return ndjson.split('\n').filter((line) => line !== '').map(fromArchiveLine);
  }
}
