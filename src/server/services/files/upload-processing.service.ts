import type { Transaction } from 'sequelize';
import type { FileFailureCode, FileView } from '../../../shared/files.js';
import type { SessionFileRow } from '../../db/models/session-file.js';
import { fileObjectsPrefix, sessionFileKey, stagingKey } from '../../storage/keys.js';
import { SYSTEM_ACTOR, type Actor } from '../actor.js';
import { inspectContent } from './content-inspection.js';
import { FileTooLargeError } from './files.errors.js';
import { toFileView, UNKNOWN_FAILURE_REASON } from './file.view.js';
import { lockSession } from './session-lock.js';
import { storedName } from './stored-name.js';
import { failUpload, type SessionFilesDeps } from './upload-failure.js';

export interface UploadProcessingOptions extends SessionFilesDeps {
  /** MAX_UPLOAD_BYTES, as the web server that took the upload enforced it. */
  maxUploadBytes: number;
}

export type ProcessOutcome =
  | { outcome: 'stored'; file: FileView }
  | { outcome: 'rejected'; reason: string }
  /** Already processed (or removed): running the job again changes nothing. */
  | { outcome: 'unchanged'; status: string }
  | { outcome: 'missing' };

const SESSION_ENDED_REASON = 'The session ended before the file was checked, so it was not kept.';

/**
 * The upload job's side of a session's files (the workers build it; the web server, which stages
 * uploads and queues their jobs, has FilesService): verifying a staged upload into the session's
 * namespace, and giving up on one whose job failed for good.
 */
export class UploadProcessingService {
  constructor(private readonly deps: UploadProcessingOptions) {}

  private get SessionFile() {
    return this.deps.db.models.SessionFile;
  }

  /**
   * The upload job's work: checks the staged size, reads the real type from the bytes, refuses
   * programs, hashes, moves the object into the session's namespace and marks the row stored.
   * Safe to run again at any point: a finished file is left as it is (a redelivered job announces
   * it again), and a run interrupted after the move picks the object up where it was moved to.
   */
  async processUpload(fileId: string, actor: Actor, options: { redelivered?: boolean } = {}): Promise<ProcessOutcome> {
    const row = await this.SessionFile.findByPk(fileId);
    if (!row) return { outcome: 'missing' };
    if (row.status !== 'uploading') {
      if (options.redelivered) this.reannounce(row);
      return { outcome: 'unchanged', status: row.status };
    }
    const { storage, maxUploadBytes } = this.deps;
    if (await this.sessionEnded(row.sessionId)) return this.reject(row, SESSION_ENDED_REASON, 'session_ended', actor);

    const staged = await storage.head(stagingKey(fileId));
    const moved = staged ? undefined : (await storage.list(fileObjectsPrefix(row.sessionId, fileId), { limit: 1 })).objects[0];
    const source = staged ?? moved;
    if (!source) return this.reject(row, 'The uploaded bytes are gone. Please upload the file again.', 'bytes_missing', actor);
    if (source.size > maxUploadBytes) return this.reject(row, new FileTooLargeError(maxUploadBytes).message, 'too_large', actor);
    if (source.size !== row.size) return this.reject(row, 'The file arrived incomplete. Please upload it again.', 'size_mismatch', actor);

    const inspection = await inspectContent((await storage.get(source.key)).body);
    if (inspection.size !== source.size) return this.reject(row, 'The file arrived incomplete. Please upload it again.', 'size_mismatch', actor);
    if (inspection.executable) {
      return this.reject(row, `Programs cannot be shared here: this file is ${inspection.executable}, whatever its name says.`, 'executable', actor);
    }

    const name = storedName(row.name, inspection.extension);
    const finalKey = sessionFileKey(row.sessionId, fileId, name);
    if (source.key !== finalKey) await storage.move(source.key, finalKey, { contentType: inspection.contentType });

    const stored = await this.deps.db.transaction(async (t) => {
      // Checked again under the session's lock: a reset that raced the checks above keeps the file out.
      await lockSession(this.deps.db, row.sessionId, t);
      if (await this.sessionEnded(row.sessionId, t)) return 'session_ended';
      const [count] = await this.SessionFile.update(
        {
          status: 'stored',
          objectKey: finalKey,
          name,
          // Kept when the extension changed, so that the file's row can say why.
          originalName: name === row.name ? null : row.name,
          contentType: inspection.contentType,
          sha256: inspection.sha256,
          updatedAt: this.deps.clock(),
        },
        { where: { id: fileId, status: 'uploading' }, transaction: t },
      );
      if (count !== 1) return 'gone';
      // In the same transaction: a worker killed after the commit is redelivered the job, finds the
      // file stored and changes nothing, so a row written afterwards would be lost for good.
      await this.deps.audit.record(
        {
          event: 'file.uploaded',
          outcome: 'success',
          sessionId: row.sessionId,
          actor,
          metadata: { fileId, size: inspection.size, contentType: inspection.contentType, sha256: inspection.sha256 },
        },
        t,
      );
      return 'stored';
    });
    if (stored === 'session_ended') return this.reject(row, SESSION_ENDED_REASON, 'session_ended', actor);
    if (stored !== 'stored') {
      // Removed while it was being processed: the removal stands, so its bytes go too.
      await storage.deleteMany([finalKey]);
      const current = await this.SessionFile.findByPk(fileId);
      return { outcome: 'unchanged', status: current?.status ?? 'deleted' };
    }
    await row.reload();
    const file = toFileView(row);
    this.deps.events.publish(row.sessionId, { type: 'file.stored', file });
    return { outcome: 'stored', file };
  }

  /** Gives up on an upload that could not be processed (its retries are spent): marks it failed, removes its bytes. */
  async abandonUpload(fileId: string, reason: string): Promise<void> {
    const row = await this.SessionFile.findByPk(fileId);
    if (row?.status === 'uploading') await this.reject(row, reason, 'processing_failed', SYSTEM_ACTOR);
  }

  /** Whether the session was reset or has expired (by status, or by its expiry having passed). */
  private async sessionEnded(sessionId: string, transaction?: Transaction): Promise<boolean> {
    const session = await this.deps.db.models.UserSession.findByPk(sessionId, { attributes: ['status', 'expiresAt'], transaction });
    return session?.status !== 'active' || session.expiresAt.getTime() <= this.deps.clock().getTime();
  }

  /**
   * A run that died after marking the file but before its event reached Redis leaves the tabs
   * without the news: the job's next delivery tells them again (a repeated event is the same news).
   */
  private reannounce(row: SessionFileRow): void {
    const file = toFileView(row);
    if (row.status === 'stored') this.deps.events.publish(row.sessionId, { type: 'file.stored', file });
    if (row.status === 'failed') this.deps.events.publish(row.sessionId, { type: 'file.failed', file, reason: row.failureReason ?? UNKNOWN_FAILURE_REASON });
  }

  /** Marks an upload refused when it was checked: failed, its bytes removed, audited, the tabs told. */
  private async reject(row: SessionFileRow, reason: string, code: FileFailureCode, actor: Actor): Promise<ProcessOutcome> {
    await failUpload(this.deps, row, { reason, code, outcome: 'refused', actor });
    return { outcome: 'rejected', reason };
  }
}
