import { Op, QueryTypes } from 'sequelize';
import type { Database } from '../../db/database.js';
import { SESSIONS_PREFIX } from '../../storage/keys.js';
import { MAX_DELETE_BATCH } from '../../storage/object-store.js';
import type { Actor, Clock } from '../actor.js';
import type { CleanupCandidate, CleanupDeletions, CleanupReport } from './cleanup-deletions.js';
import { endedBy, readSessionStates } from './session-states.js';

export interface EndedSessionFilesOptions {
  db: Database;
  clock: Clock;
  graceMs: number;
  deletions: CleanupDeletions;
  /** Keys per delete call, at most 1000. */
  batchSize: number;
}

/** A file row of an ended session whose object may still be stored, as the driver returns it. */
interface FileRecord {
  id: string;
  session_id: string;
  object_key: string;
}

type FileCandidate = CleanupCandidate & { fileId: string };

/**
 * The first pass of the orphan cleanup: the objects the database names. The file rows of sessions
 * that ended more than the grace period ago, not yet `deleted`, with their bytes under `sessions/`,
 * are read a page at a time in session order (so a batch empties whole sessions and their
 * directories go with it), their objects deleted by key with no listing, and their rows marked
 * `deleted`. Each batch reads its sessions' states again right before its delete: a session that
 * is active again by then keeps its objects. What the database cannot name (objects of unknown
 * sessions, objects with no row) is left to the listing that follows.
 */
export class EndedSessionFiles {
  constructor(private readonly opts: EndedSessionFilesOptions) {}

  async remove(report: CleanupReport, actor: Actor): Promise<void> {
    // The rows and audit rows of one batch are written while the next batch is deleted: the store
    // and the database wait on different things. One such write at a time, in batch order; all are
    // done before this returns.
    let settling: Promise<void> = Promise.resolve();
    let after: FileRecord | null = null;
    for (;;) {
      const records = await this.page(after);
      const last = records.at(-1);
      if (!last) break;
      after = last;
      for (let i = 0; i < records.length; i += this.opts.batchSize) {
        const deleted = await this.deleteBatch(records.slice(i, i + this.opts.batchSize), report);
        await settling;
        settling = this.settle(deleted, actor);
        settling.catch(() => undefined); // seen by the await above or below
      }
    }
    await settling;
  }

  private cutoff(): number {
    return this.opts.clock().getTime() - this.opts.graceMs;
  }

  /** The next rows after `after` in (session, file) order; rows a failed delete left stay behind the cursor until the next run. */
  private page(after: FileRecord | null): Promise<FileRecord[]> {
    const keyset = after ? 'AND (f.session_id > :afterSession OR (f.session_id = :afterSession AND f.id > :afterId))' : '';
    return this.opts.db.sequelize.query<FileRecord>(
      `SELECT f.id, f.session_id, f.object_key FROM session_files f JOIN user_sessions s ON s.id = f.session_id
       WHERE s.status <> 'active' AND s.ended_at <= :cutoff AND f.status <> 'deleted' AND f.object_key LIKE :prefix ${keyset}
       ORDER BY f.session_id, f.id LIMIT :limit`,
      {
        replacements: { cutoff: new Date(this.cutoff()), prefix: `${SESSIONS_PREFIX}%`, afterSession: after?.session_id ?? null, afterId: after?.id ?? null, limit: MAX_DELETE_BATCH },
        type: QueryTypes.SELECT,
      },
    );
  }

  /** Deletes the batch's objects whose sessions still ended past the grace period; returns those that are gone. */
  private async deleteBatch(records: FileRecord[], report: CleanupReport): Promise<FileCandidate[]> {
    // Read again at delete time: whatever changed since the page was read, an active session's object
    // stays (and is listed, and counted as kept, by the sweep that follows).
    const states = await readSessionStates(this.opts.db, records.map((record) => record.session_id));
    const cutoff = this.cutoff();
    const confirmed: FileCandidate[] = records
      .filter((record) => endedBy(states.get(record.session_id), cutoff))
      .map((record) => ({ key: record.object_key, sessionId: record.session_id, reason: 'session_ended', fileId: record.id }));
    const deleted = await this.opts.deletions.delete(confirmed, report);
    report.endedSessionObjects += deleted.length;
    return deleted;
  }

  /** Marks the deleted objects' rows `deleted`, then audits them. */
  private async settle(deleted: FileCandidate[], actor: Actor): Promise<void> {
    if (deleted.length === 0) return;
    await this.opts.db.transaction((t) =>
      this.opts.db.models.SessionFile.update(
        { status: 'deleted', updatedAt: this.opts.clock() },
        { where: { id: deleted.map((candidate) => candidate.fileId), status: { [Op.ne]: 'deleted' } }, transaction: t },
      ),
    );
    await this.opts.deletions.record(deleted, actor);
  }
}
