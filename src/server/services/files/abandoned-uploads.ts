import { Op } from 'sequelize';
import type { Database } from '../../db/database.js';
import type { SessionFileRow } from '../../db/models/session-file.js';
import { fileObjectsPrefix, stagingKey } from '../../storage/keys.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { Actor, Clock } from '../actor.js';
import type { AuditService } from '../audit/audit.service.js';
import type { EventPublisher } from '../event-publisher.js';
import { toFileView } from './file.view.js';

export interface AbandonedUploadsOptions {
  db: Database;
  storage: ObjectStore;
  audit: AuditService;
  events: EventPublisher;
  clock: Clock;
  /** How long an `uploading` row may go untouched (see `abandonedUploadAfterMs`). */
  abandonedAfterMs: number;
  batchSize: number;
}

/** Also what the orphan cleanup says of an upload whose staged bytes it removed. */
export const ABANDONED_REASON = 'The upload never finished. Please upload the file again.';

/**
 * Fails uploads that died before any of their bytes reached the store (the server stopped
 * mid-upload): rows still `uploading`, untouched by their heartbeat for `abandonedAfterMs`, with
 * nothing staged and nothing moved. Rows whose bytes did arrive are the staging sweep's and the
 * upload job's business, so they are left alone.
 */
export class AbandonedUploads {
  constructor(private readonly opts: AbandonedUploadsOptions) {}

  /** Marks the abandoned uploads failed, audits each and tells its session's tabs; returns how many. */
  async fail(actor: Actor): Promise<number> {
    const { SessionFile } = this.opts.db.models;
    const untouchedSince = new Date(this.opts.clock().getTime() - this.opts.abandonedAfterMs);
    const stale = { status: 'uploading', updatedAt: { [Op.lt]: untouchedSince } };
    let failed = 0;
    let lastId: string | null = null;
    for (;;) {
      const after = lastId === null ? {} : { id: { [Op.gt]: lastId } };
      const rows: SessionFileRow[] = await SessionFile.findAll({ where: { ...stale, ...after }, order: [['id', 'ASC']], limit: this.opts.batchSize });
      const last = rows.at(-1);
      if (!last) return failed;
      lastId = last.id;
      const bare = await this.withoutBytes(rows);
      if (bare.length === 0) continue;
      const marked = await this.opts.db.transaction(async (t) => {
        // A heartbeat since the read keeps its upload alive: the condition is checked again in the update.
        await SessionFile.update(
          { status: 'failed', failureCode: 'abandoned', failureReason: ABANDONED_REASON, updatedAt: this.opts.clock() },
          { where: { ...stale, id: bare.map((row) => row.id) }, transaction: t },
        );
        return SessionFile.findAll({ where: { id: bare.map((row) => row.id), status: 'failed' }, transaction: t });
      });
      // Recorded once the change has committed, in one group commit.
      await Promise.all(
        marked.map((row) =>
          this.opts.audit.record({ event: 'file.rejected', outcome: 'failure', sessionId: row.sessionId, actor, metadata: { fileId: row.id, reason: 'abandoned' } }),
        ),
      );
      failed += marked.length;
      for (const row of marked) this.opts.events.publish(row.sessionId, { type: 'file.failed', file: toFileView(row), reason: ABANDONED_REASON });
    }
  }

  /** The rows none of whose bytes are in the store, staged or moved. */
  private async withoutBytes(rows: SessionFileRow[]): Promise<SessionFileRow[]> {
    const bare: SessionFileRow[] = [];
    for (const row of rows) {
      if (await this.opts.storage.head(stagingKey(row.id))) continue;
      if ((await this.opts.storage.list(fileObjectsPrefix(row.sessionId, row.id), { limit: 1 })).objects.length > 0) continue;
      bare.push(row);
    }
    return bare;
  }
}
