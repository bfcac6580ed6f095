import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Op } from 'sequelize';
import type { FileView, UploadResult } from '../../../shared/files.js';
import type { UploadJob } from '../../../shared/jobs.js';
import type { SessionFileRow } from '../../db/models/session-file.js';
import { safeFileName, stagingKey } from '../../storage/keys.js';
import type { StorageCapacity } from '../../storage/free-space-floor.js';
import { ObjectTooLargeError, type ByteRange } from '../../storage/object-store.js';
import type { Actor } from '../actor.js';
import type { RefusalAuditGate } from '../audit/refusal-audit-gate.js';
import { InvalidRequestError, NotFoundError } from '../errors.js';
import { UploadSpending, type ClientUploadBudget } from './client-upload-budget.js';
import { ClientUploadBudgetError, FileTooLargeError, InsufficientStorageError, SessionStorageFullError, UploadInterruptedError } from './files.errors.js';
import { toFileView } from './file.view.js';
import { lockSession } from './session-lock.js';
import { SessionStorageQuota, type UploadAllowance } from './session-storage-quota.js';
import { deleteFileObjects, failUpload, type SessionFilesDeps } from './upload-failure.js';
import { DEFAULT_HEARTBEAT_MS, keepAlive } from './upload-liveness.js';

/** Where an accepted upload is handed for processing (the `upload` queue). */
export interface UploadJobQueue {
  enqueueUpload(job: UploadJob): Promise<void>;
}

export interface FilesServiceOptions extends SessionFilesDeps {
  uploads: UploadJobQueue;
  maxUploadBytes: number;
  /** What one session may hold, stored and uploading (SESSION_MAX_STORED_BYTES); no limit when absent. */
  sessionMaxStoredBytes?: number;
  /** How often an upload in flight marks its row alive for the cleanup (the upload idle timeout). */
  uploadHeartbeatMs?: number;
  /**
   * Keeps refusals answered to a request (too large, interrupted) from flooding the audit log: a
   * client repeating one is recorded once per window. Without it every refusal is recorded.
   */
  refusalGate?: RefusalAuditGate;
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

/** The `reason` a refused upload is audited with. */
function refusalReason(error: Error): string {
  if (error instanceof SessionStorageFullError) return 'quota_exceeded';
  if (error instanceof ClientUploadBudgetError) return 'client_budget_exceeded';
  if (error instanceof InsufficientStorageError) return 'disk_low';
  return 'too_large';
}

/**
 * The files of a session as requests see them: uploads into staging and their jobs queued,
 * listing, download and removal (the web server builds it; the upload job's side, verifying a
 * staged upload into the session's namespace, is UploadProcessingService). Callers have already
 * proven they own the session (SessionService.authorize); this service holds the rules of the
 * files themselves.
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
      await this.deps.uploads.enqueueUpload({ fileId: row.id, sessionId: input.sessionId });
    } catch (error) {
      await failUpload(this.deps, row, { reason: 'The file could not be queued for processing. Please upload it again.', code: 'not_queued', outcome: 'refused', actor });
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
      await lockSession(this.deps.db, input.sessionId, t);
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
    await failUpload(this.deps, row, {
      reason: interrupted ? error.message : 'The file could not be saved. Please upload it again.',
      code: interrupted ? error.reason : 'store_failed',
      outcome: 'failure',
      actor,
      mayAudit: () => this.mayRecordRefusal(actor),
    });
    return error;
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
    await deleteFileObjects(this.deps.storage, row);
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

  /** Undoes an upload that was refused before anyone heard of it: no event was sent, so none is. */
  private async discard(row: SessionFileRow): Promise<void> {
    await this.deps.storage.deleteMany([row.objectKey]);
    await this.deps.db.transaction((t) => row.destroy({ transaction: t }));
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
