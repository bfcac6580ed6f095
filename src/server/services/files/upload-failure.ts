import type { FileFailureCode } from '../../../shared/files.js';
import type { Database } from '../../db/database.js';
import type { AuditOutcome } from '../../db/models/audit-log.js';
import type { SessionFileRow } from '../../db/models/session-file.js';
import { fileObjectsPrefix, stagingKey } from '../../storage/keys.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { Actor, Clock } from '../actor.js';
import type { AuditService } from '../audit/audit.service.js';
import type { EventPublisher } from '../event-publisher.js';
import { toFileView } from './file.view.js';

/** What changing a session's files needs, whether a request or the upload job changes them. */
export interface SessionFilesDeps {
  db: Database;
  storage: ObjectStore;
  audit: AuditService;
  events: EventPublisher;
  clock: Clock;
}

export interface UploadFailure {
  /** The sentence the tabs show, one a person can act on. */
  reason: string;
  code: FileFailureCode;
  outcome: AuditOutcome;
  actor: Actor;
  /**
   * Whether the failure may be audited (a refusal gate keeping a repeating client out of the
   * log), asked once the bytes are gone; always audited when absent.
   */
  mayAudit?: () => Promise<boolean>;
}

/**
 * Marks an upload failed, removes its bytes, audits and tells the tabs: the same whether the
 * request gave up on it or the upload job refused it. Only the call that moves the row out of
 * `uploading` does the telling.
 */
export async function failUpload(deps: SessionFilesDeps, row: SessionFileRow, failure: UploadFailure): Promise<void> {
  const { db, audit, events, clock } = deps;
  await deleteFileObjects(deps.storage, row);
  const audited = !failure.mayAudit || (await failure.mayAudit());
  // The row commits with the change, as for a stored file: a redelivered job finds it failed and does nothing more.
  const failed = await db.transaction(async (t) => {
    const [count] = await db.models.SessionFile.update(
      { status: 'failed', failureCode: failure.code, failureReason: failure.reason, updatedAt: clock() },
      { where: { id: row.id, status: 'uploading' }, transaction: t },
    );
    if (count === 1 && audited) {
      await audit.record(
        { event: 'file.rejected', outcome: failure.outcome, sessionId: row.sessionId, actor: failure.actor, metadata: { fileId: row.id, reason: failure.code } },
        t,
      );
    }
    return count === 1;
  });
  if (failed) {
    await row.reload();
    events.publish(row.sessionId, { type: 'file.failed', file: toFileView(row), reason: failure.reason });
  }
}

/** Every object the file may have: its staged bytes and whatever is under its own prefix. */
export async function deleteFileObjects(storage: ObjectStore, row: SessionFileRow): Promise<void> {
  const under = await storage.list(fileObjectsPrefix(row.sessionId, row.id), { limit: 100 });
  const keys = [...new Set([stagingKey(row.id), row.objectKey, ...under.objects.map((object) => object.key)])];
  const { failed } = await storage.deleteMany(keys);
  if (failed[0]) throw new Error(`Could not delete the bytes of file ${row.id}: ${failed[0].message}`);
}
