import type { Database } from '../../db/database.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { chainHash, type ChainedRow } from './audit-chain.js';
import { ArchiveContentError } from './audit-archive-check.js';
import { ARCHIVE_PREFIX } from './audit-archive-format.js';
import { AuditArchiveStore } from './audit-archive-store.js';
import { AuditCheckpoints, type Checkpoint, type CheckpointKey } from './audit-checkpoint.js';
import { AuditStore, type ChainHead } from './audit-store.js';
import { ArchivedRows, DatabaseRows } from './chain-sources.js';
import { ChainWalk, idRange } from './chain-walk.js';

/** What is wrong, and the first row it shows at where there is one (a foreign object has none). */
export interface VerifyBreak {
  rowId?: number;
  message: string;
}

export type VerifyResult =
  | { ok: true; rows: number; archivedRows: number; archives: number; head: ChainHead; checkpoint: Checkpoint | null }
  | { ok: false; broken: VerifyBreak };

export interface VerifyParts {
  rows: AuditStore;
  archives: AuditArchiveStore;
  checkpoints: AuditCheckpoints;
}

/** The parts of the chain as one deployment has them: rows in `db`, archives and the checkpoint in `objects`, signed with `key`. */
export function auditChainParts(db: Database, objects: ObjectStore, key: CheckpointKey | null): VerifyParts {
  return { rows: new AuditStore(db), archives: new AuditArchiveStore(objects), checkpoints: new AuditCheckpoints(objects, key) };
}

class Broken extends Error {
  constructor(readonly broken: VerifyBreak) {
    super(broken.message);
  }
}

const FOREIGN_SHOWN = 5;

/**
 * Walks the whole chain in id order: the archives and the rows still in the database merged by id,
 * then compares the end with the recorded head and with the checkpoint. Every archive is checked
 * against its manifest as it is read; anything else under audit/ fails verification. A row met twice
 * (archives that overlap, or rows archived but not yet deleted) is compared with the copy verified
 * first, never skipped. Throws (rather than reporting a break) only when something cannot be read,
 * or a signed checkpoint meets no key (CheckpointKeyMissingError).
 */
export async function verifyAuditChain(parts: VerifyParts): Promise<VerifyResult> {
  try {
    return await walkChain(parts);
  } catch (error) {
    if (error instanceof Broken) return { ok: false, broken: error.broken };
    if (error instanceof ArchiveContentError) return { ok: false, broken: { rowId: error.rowId, message: error.message } };
    throw error;
  }
}

async function walkChain(parts: VerifyParts): Promise<VerifyResult> {
  const listing = await parts.archives.list();
  if (listing.foreign.length > 0) {
    const more = listing.foreign.length > FOREIGN_SHOWN ? ` and ${listing.foreign.length - FOREIGN_SHOWN} more` : '';
    throw new Broken({
      message: `foreign objects under ${ARCHIVE_PREFIX}: ${listing.foreign.slice(0, FOREIGN_SHOWN).join(', ')}${more} (only <from>-<to>.ndjson.gz, <from>-<to>.manifest.json and checkpoint.json belong there)`,
    });
  }
  const read = await parts.checkpoints.read();
  if (read && 'problem' in read) throw new Broken({ message: read.problem });
  const checkpoint = read?.checkpoint ?? null;

  const walk = new ChainWalk();
  const archived = new ArchivedRows(parts.archives, listing.archives);
  const database = new DatabaseRows(parts.rows);
  const seen = new SeenHashes();
  let archivedRows = 0;

  /** Takes the next row of the chain, or compares it with its copy verified before. */
  const step = (row: ChainedRow, from: string | null) => {
    const where = from ? ` (archived in ${from})` : '';
    if (row.id <= walk.position.lastId) {
      if (seen.get(row.id) !== row.hash) throw new Broken({ rowId: row.id, message: `row ${row.id}${where} differs from the copy of row ${row.id} verified before it: one of them was altered` });
      return;
    }
    const broken = walk.next(row);
    if (broken) throw new Broken({ ...broken, message: `${broken.message}${where}` });
    seen.keep(row, archived.nextFromId);
    if (row.id === checkpoint?.head.id && row.hash !== checkpoint.head.hash) {
      throw new Broken({ rowId: row.id, message: `row ${row.id}${where} is not the row the checkpoint of ${checkpoint.at} saw there: the chain was rewritten from there or before` });
    }
    if (from) archivedRows += 1;
  };

  for (;;) {
    const fromArchive = await archived.peek();
    seen.forgetBefore(archived.currentFromId);
    const inDatabase = await database.peek();
    if (!fromArchive && !inDatabase) break;
    if (fromArchive && fromArchive.row.id === inDatabase?.id) {
      // Archived but not yet deleted: the database's copy must be the archived row.
      if (chainHash(inDatabase, inDatabase.prevHash) !== inDatabase.hash) throw new Broken({ rowId: inDatabase.id, message: `row ${inDatabase.id} was edited: its hash does not match its content` });
      if (inDatabase.hash !== fromArchive.row.hash) {
        throw new Broken({ rowId: inDatabase.id, message: `row ${inDatabase.id} in the database differs from its archived copy in ${fromArchive.key}: one of them was altered` });
      }
      step(fromArchive.row, fromArchive.key);
      archived.advance();
      database.advance();
    } else if (fromArchive && (!inDatabase || fromArchive.row.id < inDatabase.id)) {
      step(fromArchive.row, fromArchive.key);
      archived.advance();
    } else if (inDatabase) {
      step(inDatabase, null);
      database.advance();
    }
  }

  const head = await parts.rows.head();
  const broken = walk.finish(head);
  if (broken) return { ok: false, broken };
  const end = walk.position.lastId;
  if (checkpoint && checkpoint.head.id > end) {
    return {
      ok: false,
      broken: { rowId: end + 1, message: `the chain ends at row ${end} but the checkpoint of ${checkpoint.at} saw row ${checkpoint.head.id}: ${idRange(end + 1, checkpoint.head.id)} removed from the end` },
    };
  }
  return { ok: true, rows: walk.rows, archivedRows, archives: listing.archives.length, head, checkpoint };
}

/**
 * The hashes of verified rows that a later archive may hold again (ids from the next archive's
 * first id on), so that a row met twice is compared. Rows are kept in id order, so forgetting the
 * oldest is cheap; what is kept is never more than the overlap still ahead.
 */
class SeenHashes {
  private readonly hashes = new Map<number, string>();
  private forgotten = 0;

  keep(row: ChainedRow, fromId: number): void {
    if (row.id >= fromId) this.hashes.set(row.id, row.hash);
  }

  get(id: number): string | undefined {
    return this.hashes.get(id);
  }

  forgetBefore(id: number): void {
    if (id <= this.forgotten) return;
    this.forgotten = id;
    for (const kept of this.hashes.keys()) {
      if (kept >= id) break;
      this.hashes.delete(kept);
    }
  }
}
