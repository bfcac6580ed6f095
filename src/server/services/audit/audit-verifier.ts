import type { AuditArchiveStore } from './audit-archive-store.js';
import type { AuditStore, ChainHead } from './audit-store.js';
import { ChainWalk, type ChainBreak } from './chain-walk.js';

export type VerifyResult =
  | { ok: true; rows: number; archivedRows: number; archives: number; head: ChainHead }
  | { ok: false; broken: ChainBreak };

const PAGE = 1000;

/**
 * Walks the whole chain: the archived rows in the object store first, then the rows still in the
 * database, then compares the end with the recorded head. Rows still in the database that an archive
 * already holds (an archiver stopped between storing and deleting them) are read from the archive only.
 */
export async function verifyAuditChain(parts: { rows: AuditStore; archives: AuditArchiveStore }): Promise<VerifyResult> {
  const walk = new ChainWalk();
  const manifests = await parts.archives.manifests();
  for (const manifest of manifests) {
    // Two archivers racing may store overlapping ranges: what an earlier archive covered is checked once.
    if (manifest.toId <= walk.position.lastId) continue;
    const archived = await parts.archives.rows(manifest);
    for (const row of archived) {
      if (row.id <= walk.position.lastId) continue;
      const broken = walk.next(row);
      if (broken) return { ok: false, broken: { ...broken, message: `${broken.message} (archived in ${manifest.key})` } };
    }
    const end = walk.position;
    if (end.lastId !== manifest.head.id || end.hash !== manifest.head.hash) {
      return { ok: false, broken: { rowId: manifest.head.id, message: `the archive ${manifest.key} does not end at the head its manifest records (row ${manifest.head.id})` } };
    }
  }
  const archivedRows = walk.rows;

  for (let page = await parts.rows.page(walk.position.lastId, PAGE); page.length > 0; page = await parts.rows.page(walk.position.lastId, PAGE)) {
    for (const row of page) {
      const broken = walk.next(row);
      if (broken) return { ok: false, broken };
    }
  }
  const head = await parts.rows.head();
  const broken = walk.finish(head);
  if (broken) return { ok: false, broken };
  return { ok: true, rows: walk.rows, archivedRows, archives: manifests.length, head };
}
