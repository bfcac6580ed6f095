import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Op, type Transaction } from 'sequelize';
import type { FileFailureCode, FileView, UploadResult } from '../../../shared/files.js';
import type { UploadJob } from '../../../shared/jobs.js';
import type { Database } from '../../db/database.js';
import type { SessionFileRow } from '../../db/models/session-file.js';
import type { AuditOutcome } from '../../db/models/audit-log.js';
import { fileObjectsPrefix, safeFileName, sessionFileKey, stagingKey } from '../../storage/keys.js';
import type { StorageCapacity } from '../../storage/free-space-floor.js';
import { ObjectTooLargeError, type ByteRange, type ObjectStore } from '../../storage/object-store.js';
import { SYSTEM_ACTOR, type Actor, type Clock } from '../actor.js';
import type { AuditService } from '../audit/audit.service.js';
import { InvalidRequestError, NotFoundError } from '../errors.js';
import type { EventPublisher } from '../event-publisher.js';
import { UploadSpending, type ClientUploadBudget } from './client-upload-budget.js';
import { inspectContent } from './content-inspection.js';
import { ClientUploadBudgetError, FileTooLargeError, InsufficientStorageError, SessionStorageFullError, UploadInterruptedError } from './files.errors.js';
import { toFileView, UNKNOWN_FAILURE_REASON } from './file.view.js';
import { SessionStorageQuota, type UploadAllowance } from './session-storage-quota.js';
import { storedName } from './stored-name.js';
import { DEFAULT_HEARTBEAT_MS, keepAlive } from './upload-liveness.js';

/** Where an accepted upload is handed for processing (the `upload` queue). */
export interface UploadJobQueue {
  enqueueUpload(job: UploadJob): Promise<void>;
}

/** Lets through one audit row per client, event and window (RefusalAuditGate). */
export interface RefusalAuditFilter {
  shouldRecord(event: string, client: string): Promise<boolean>;
}

export interface FilesServiceOptions {
  db: Database;
  storage: ObjectStore;
  audit: AuditService;
  events: EventPublisher;
  clock: Clock;
  /** Absent where nothing is uploaded (the workers). */
  uploads?: UploadJobQueue;
  maxUploadBytes: number;
  /** What one session may hold, stored and uploading (SESSION_MAX_STORED_BYTES); no limit when absent. */
  sessionMaxStoredBytes?: number;
  /** How often an upload in flight marks its row alive for the cleanup (the upload idle timeout). */
  uploadHeartbeatMs?: number;
  /**
   * Keeps refusals answered to a request (too large, interrupted) from flooding the audit log: a
   * client repeating one is recorded once per window. Without it every refusal is recorded.
   */
  refusalGate?: RefusalAuditFilter;
  /** What a client may upload across its sessions (UPLOAD_BYTES_PER_CLIENT_PER_DAY); no limit when absent. */
  clientBudget?: ClientUploadBudget;
  /** The local disk's free-space floor (STORAGE_MIN_FREE_BYTES); none when absent (S3, or turned off). */
  capacity?: StorageCapacity;
}

export interface UploadInput {
  sessionId: string;
  /** The name the client gave; it is made safe here. */
  name: string;
  /** The body's length as the client declared it, if it did. */
  declaredSize?: number;
  /** A bound on the file's size known before it arrives (a form's whole length), if any. */
  sizeAtMost?: number;
  body: Readable;
}

export type ProcessOutcome =
  | { outcome: 'stored'; file: FileView }
  | { outcome: 'rejected'; reason: string }
  /** Already processed (or removed): running the job again changes nothing. */
  | { outcome: 'unchanged'; status: string }
  | { outcome: 'missing' };

export interface FileDownload {
  file: FileView;
  body: Readable;
  /** Bytes in `body`. */
  size: number;
  range?: ByteRange;
}

/** Content types a stored file starts with, before its bytes have been read. */
const UNKNOWN_TYPE = 'application/octet-stream';
const LIVE_STATUSES = ['uploading', 'stored', 'failed'] as const;
const SESSION_ENDED_REASON = 'The session ended before the file was checked, so it was not kept.';

/** The `reason` a refused upload is audited with. */
function refusalReason(error: Error): string {
  if (error instanceof SessionStorageFullError) return 'quota_exceeded';
  if (error instanceof ClientUploadBudgetError) return 'client_budget_exceeded';
  if (error instanceof InsufficientStorageError) return 'disk_low';
  return 'too_large';
}

/**
 * The files of a session: uploads into staging, their verification into the session's namespace
 * (run by the upload worker), listing, download and removal. Callers have already proven they own
 * the session (SessionService.authorize); this service holds the rules of the files themselves.
 */
export class FilesService {
  private readonly quota: SessionStorageQuota;

  constructor(private readonly deps: FilesServiceOptions) {
    this.quota = new SessionStorageQuota({ db: deps.db, maxUploadBytes: deps.maxUploadBytes, quotaBytes: deps.sessionMaxStoredBytes ?? Number.POSITIVE_INFINITY });
  }

  private get SessionFile() {
    return this.deps.db.models.SessionFile;
  }

  get maxUploadBytes(): number {
    return this.deps.maxUploadBytes;
  }

  /**
   * Streams an upload into staging and queues its processing. Before a byte is read it must fit
   * above the disk's free-space floor and in its client's budget, which it spends as its bytes
   * arrive; whatever it does not keep is given back, however it ends. The row exists (as `uploading`,
   * reserving the bytes it may bring against the session's quota) before the first byte is
   * written, so the cleanup never mistakes bytes in flight for leftovers. A refused upload (too
   * large, over a budget, empty) leaves nothing; one that stops part-way (the client went away or
   * fell silent, the store failed) leaves its row `failed` and no bytes.
   */
  async upload(input: UploadInput, actor: Actor): Promise<UploadResult> {
    const sizeAtMost = input.declaredSize ?? input.sizeAtMost;
    await this.refuseIfDiskLow(input.sessionId, sizeAtMost ?? 0, actor);
    const spending = await this.spendClientBudget(input.sessionId, sizeAtMost, actor);
    let kept = 0;
    try {
      const staged = await this.stage(input, spending, actor);
      kept = staged.size;
      return { fileId: staged.fileId };
    } finally {
      await spending.settle(kept);
    }
  }

  /** Refuses (507) an upload that would take the local disk below its free-space floor. */
  private async refuseIfDiskLow(sessionId: string, bytes: number, actor: Actor): Promise<void> {
    if (this.deps.capacity && !(await this.deps.capacity.hasRoomFor(bytes))) {
      throw await this.refuse(new InsufficientStorageError(), sessionId, actor, { declaredSize: bytes });
    }
  }

  /** Takes what the upload may bring (when known) from its client's budget, or refuses it (429). */
  private async spendClientBudget(sessionId: string, sizeAtMost: number | undefined, actor: Actor): Promise<UploadSpending> {
    try {
      // No file brings more than the file limit, whatever a form's length says.
      return await UploadSpending.begin(this.deps.clientBudget, actor.ip, Math.min(sizeAtMost ?? 0, this.deps.maxUploadBytes));
    } catch (error) {
      if (error instanceof ClientUploadBudgetError) throw await this.refuse(error, sessionId, actor, { declaredSize: sizeAtMost ?? 0 });
      throw error;
    }
  }

  /** Writes the body into staging, counted against the client's budget, and queues its processing. */
  private async stage(input: UploadInput, spending: UploadSpending, actor: Actor): Promise<{ fileId: string; size: number }> {
    const { row, allowance } = await this.reserve(input, actor);
    let size: number;
    const stopHeartbeat = keepAlive(() => this.touch(row.id), this.deps.uploadHeartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    try {
      ({ size } = await this.deps.storage.put(row.objectKey, spending.meter(input.body), { maxBytes: row.size, size: input.declaredSize, contentType: UNKNOWN_TYPE }));
    } catch (error) {
      throw await this.stagingFailed(row, error, allowance, actor);
    } finally {
      stopHeartbeat();
    }
    if (size === 0) {
      await this.discard(row);
      throw new InvalidRequestError('The file is empty. Choose a file that has some content.');
    }

    await this.deps.db.transaction((t) => row.update({ size, updatedAt: this.deps.clock() }, { transaction: t }));
    this.deps.events.publish(input.sessionId, { type: 'file.added', file: toFileView(row) });
    try {
      if (!this.deps.uploads) throw new Error('This FilesService has no upload queue.');
      await this.deps.uploads.enqueueUpload({ fileId: row.id, sessionId: input.sessionId });
    } catch (error) {
      await this.reject(row, 'The file could not be queued for processing. Please upload it again.', 'not_queued', actor);
      throw error;
    }
    return { fileId: row.id, size };
  }

  /**
   * Refuses an upload whose declared length is already over the file limit or over what is left
   * of the session's storage, before a byte of it is read.
   */
  async refuseIfTooLarge(sessionId: string, declaredSize: number | undefined, actor: Actor): Promise<void> {
    if (declaredSize === undefined) return;
    const allowance = await this.quota.allowance(sessionId);
    if (declaredSize > allowance.maxBytes) throw await this.refuse(allowance.refusal(), sessionId, actor, { declaredSize });
  }

  /**
   * Creates the `uploading` row. Its size is the most the upload may bring (the declared length,
   * else the form's length, else all that is allowed) and counts against the quota until the
   * real size replaces it; the session is locked meanwhile so that two uploads cannot both
   * spend the same remaining bytes.
   */
  private async reserve(input: UploadInput, actor: Actor): Promise<{ row: SessionFileRow; allowance: UploadAllowance }> {
    const fileId = randomUUID();
    const reserved = await this.deps.db.transaction(async (t) => {
      await this.lockSession(input.sessionId, t);
      const allowance = await this.quota.allowance(input.sessionId, t);
      if (input.declaredSize !== undefined && input.declaredSize > allowance.maxBytes) return { allowance, row: null };
      const size = Math.min(allowance.maxBytes, input.declaredSize ?? input.sizeAtMost ?? Number.POSITIVE_INFINITY);
      const now = this.deps.clock();
      const row = await this.SessionFile.create(
        { id: fileId, sessionId: input.sessionId, objectKey: stagingKey(fileId), name: safeFileName(input.name), contentType: UNKNOWN_TYPE, size, sha256: null, status: 'uploading', createdAt: now, updatedAt: now },
        { transaction: t },
      );
      return { allowance, row };
    });
    if (!reserved.row) throw await this.refuse(reserved.allowance.refusal(), input.sessionId, actor, { declaredSize: input.declaredSize ?? 0 });
    return { row: reserved.row, allowance: reserved.allowance };
  }

  /**
   * Holds the session's row until `transaction` ends (PostgreSQL; SQLite has one writer anyway):
   * quota checks and a reset's status change then happen one after the other.
   */
  private async lockSession(sessionId: string, transaction: Transaction): Promise<void> {
    await this.deps.db.models.UserSession.findByPk(sessionId, { attributes: ['id'], lock: transaction.LOCK.UPDATE, transaction });
  }

  /** Marks an upload in flight alive, so that the cleanup leaves its row alone. */
  private async touch(fileId: string): Promise<void> {
    // Sequelize skips an update whose only value is updatedAt: restating the status (which the
    // condition already fixes) makes it write.
    await this.deps.db.transaction((t) =>
      this.SessionFile.update({ status: 'uploading', updatedAt: this.deps.clock() }, { where: { id: fileId, status: 'uploading' }, transaction: t }),
    );
  }

  /** Cleans up after a put that failed and returns the error to answer with. */
  private async stagingFailed(row: SessionFileRow, error: unknown, allowance: UploadAllowance, actor: Actor): Promise<unknown> {
    // The store's counter, or the multipart parser's backstop, saw more bytes than were allowed.
    if (error instanceof ObjectTooLargeError || error instanceof FileTooLargeError) {
      await this.discard(row);
      return this.refuse(allowance.refusal(), row.sessionId, actor, { fileId: row.id });
    }
    // The client's budget ran out while its bytes streamed in.
    if (error instanceof ClientUploadBudgetError) {
      await this.discard(row);
      return this.refuse(error, row.sessionId, actor, { fileId: row.id });
    }
    if (error instanceof InvalidRequestError) {
      await this.discard(row);
      return error;
    }
    const interrupted = error instanceof UploadInterruptedError;
    await this.fail(row, {
      reason: interrupted ? error.message : 'The file could not be saved. Please upload it again.',
      code: interrupted ? error.reason : 'store_failed',
      outcome: 'failure',
      actor,
      gated: true,
    });
    return error;
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
      await this.lockSession(row.sessionId, t);
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

  /** Gives up on an upload that could not be processed (its retries are spent): marks it failed, removes its bytes. */
  async abandonUpload(fileId: string, reason: string): Promise<void> {
    const row = await this.SessionFile.findByPk(fileId);
    if (row?.status === 'uploading') await this.reject(row, reason, 'processing_failed', SYSTEM_ACTOR);
  }

  /** The session's files that have not been removed, oldest first. */
  async list(sessionId: string): Promise<FileView[]> {
    const rows = await this.SessionFile.findAll({
      where: { sessionId, status: [...LIVE_STATUSES] },
      order: [['createdAt', 'ASC'], ['id', 'ASC']],
    });
    return rows.map(toFileView);
  }

  /** One file, whatever session it belongs to: for the download route to learn whose credential opens it. */
  async describe(fileId: string): Promise<FileView> {
    const row = await this.SessionFile.findOne({ where: { id: fileId, status: [...LIVE_STATUSES] } });
    if (!row) throw new NotFoundError('There is no file with this id. It may have been removed.');
    return toFileView(row);
  }

  /** The bytes of a stored file of the session, or of `range` of them. */
  async openDownload(sessionId: string, fileId: string, range?: ByteRange): Promise<FileDownload> {
    const row = await this.findOwned(sessionId, fileId);
    if (row.status !== 'stored') {
      throw new NotFoundError(
        row.status === 'uploading'
          ? 'This file is still being checked. It can be downloaded once it shows as stored.'
          : 'This file was refused when it was checked, so there is nothing to download.',
      );
    }
    const object = await this.deps.storage.get(row.objectKey, range);
    return { file: toFileView(row), body: object.body, size: object.size, range };
  }

  /** Deletes the file's bytes, then marks it removed, audits and tells the session's tabs. */
  async remove(sessionId: string, fileId: string, actor: Actor): Promise<void> {
    const row = await this.findOwned(sessionId, fileId);
    await this.deleteObjectsOf(row);
    const [count] = await this.deps.db.transaction((t) =>
      this.SessionFile.update({ status: 'deleted', updatedAt: this.deps.clock() }, { where: { id: fileId, status: { [Op.ne]: 'deleted' } }, transaction: t }),
    );
    if (count !== 1) return;
    // Audited as the cleanup's deletions are (one event, told apart by reason); `file.removed` is the tabs' event.
    await this.deps.audit.record({ event: 'file.deleted', outcome: 'success', sessionId, actor, metadata: { reason: 'removed', fileId, name: row.name } });
    this.deps.events.publish(sessionId, { type: 'file.removed', fileId });
  }

  private async findOwned(sessionId: string, fileId: string): Promise<SessionFileRow> {
    const row = await this.SessionFile.findOne({ where: { id: fileId, sessionId, status: [...LIVE_STATUSES] } });
    if (!row) throw new NotFoundError('This session has no file with this id. It may have been removed.');
    return row;
  }

  /** Every object the file may have: its staged bytes and whatever is under its own prefix. */
  private async deleteObjectsOf(row: SessionFileRow): Promise<void> {
    const { storage } = this.deps;
    const under = await storage.list(fileObjectsPrefix(row.sessionId, row.id), { limit: 100 });
    const keys = [...new Set([stagingKey(row.id), row.objectKey, ...under.objects.map((object) => object.key)])];
    const { failed } = await storage.deleteMany(keys);
    if (failed[0]) throw new Error(`Could not delete the bytes of file ${row.id}: ${failed[0].message}`);
  }

  /** Undoes an upload that was refused before anyone heard of it: no event was sent, so none is. */
  private async discard(row: SessionFileRow): Promise<void> {
    await this.deps.storage.deleteMany([row.objectKey]);
    await this.deps.db.transaction((t) => row.destroy({ transaction: t }));
  }

  /** Marks an upload refused when it was checked: failed, its bytes removed, audited, the tabs told. */
  private async reject(row: SessionFileRow, reason: string, code: FileFailureCode, actor: Actor): Promise<ProcessOutcome> {
    await this.fail(row, { reason, code, outcome: 'refused', actor, gated: false });
    return { outcome: 'rejected', reason };
  }

  /**
   * Marks an upload failed with a reason a person can act on, removes its bytes, audits and tells
   * the tabs. Only the call that moves the row out of `uploading` does the telling.
   */
  private async fail(row: SessionFileRow, failure: { reason: string; code: FileFailureCode; outcome: AuditOutcome; actor: Actor; gated: boolean }): Promise<void> {
    await this.deleteObjectsOf(row);
    const audited = !failure.gated || (await this.mayRecordRefusal(failure.actor));
    // The row commits with the change, as for a stored file: a redelivered job finds it failed and does nothing more.
    const failed = await this.deps.db.transaction(async (t) => {
      const [count] = await this.SessionFile.update(
        { status: 'failed', failureCode: failure.code, failureReason: failure.reason, updatedAt: this.deps.clock() },
        { where: { id: row.id, status: 'uploading' }, transaction: t },
      );
      if (count === 1 && audited) {
        await this.deps.audit.record(
          { event: 'file.rejected', outcome: failure.outcome, sessionId: row.sessionId, actor: failure.actor, metadata: { fileId: row.id, reason: failure.code } },
          t,
        );
      }
      return count === 1;
    });
    if (failed) {
      await row.reload();
      this.deps.events.publish(row.sessionId, { type: 'file.failed', file: toFileView(row), reason: failure.reason });
    }
  }

  /** Audits a refusal answered to a request (through the refusal gate) and returns it, to be thrown. */
  private async refuse<E extends Error>(error: E, sessionId: string, actor: Actor, metadata: Record<string, string | number>): Promise<E> {
    if (await this.mayRecordRefusal(actor)) {
      await this.deps.audit.record({ event: 'file.rejected', outcome: 'refused', sessionId, actor, metadata: { reason: refusalReason(error), ...metadata } });
    }
    return error;
  }

  private async mayRecordRefusal(actor: Actor): Promise<boolean> {
    const { refusalGate } = this.deps;
    return !refusalGate || actor.ip === null || refusalGate.shouldRecord('file.rejected', actor.ip);
  }
}
