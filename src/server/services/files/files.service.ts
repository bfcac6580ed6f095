import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Op } from 'sequelize';
import type { FileView, UploadResult } from '../../../shared/files.js';
import type { UploadJob } from '../../../shared/jobs.js';
import type { Database } from '../../db/database.js';
import type { SessionFileRow } from '../../db/models/session-file.js';
import { fileObjectsPrefix, safeFileName, sessionFileKey, splitExtension, stagingKey } from '../../storage/keys.js';
import { ObjectTooLargeError, type ByteRange, type ObjectStore } from '../../storage/object-store.js';
import { SYSTEM_ACTOR, type Actor, type Clock } from '../actor.js';
import type { AuditService } from '../audit/audit.service.js';
import { InvalidRequestError, NotFoundError } from '../errors.js';
import type { EventPublisher } from '../event-publisher.js';
import { inspectContent } from './content-inspection.js';
import { FileTooLargeError } from './files.errors.js';
import { toFileView } from './file.view.js';

/** Where an accepted upload is handed for processing (the `upload` queue). */
export interface UploadJobQueue {
  enqueueUpload(job: UploadJob): Promise<void>;
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
}

export interface UploadInput {
  sessionId: string;
  /** The name the client gave; it is made safe here. */
  name: string;
  /** The body's length as the client declared it, if it did. */
  declaredSize?: number;
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
/** Extensions that name the same type as file-type's (which says "jpg", "tif", …). */
const EXTENSION_ALIASES: Record<string, string> = { jpeg: 'jpg', jpe: 'jpg', tiff: 'tif', htm: 'html', text: 'txt', mpeg: 'mpg', oga: 'ogg' };
const LIVE_STATUSES = ['uploading', 'stored', 'failed'] as const;
/** Extensions that make Windows run a file when it is opened: text under such a name is renamed to .txt. */
const RUNNABLE_EXTENSIONS = new Set(['exe', 'com', 'scr', 'pif', 'bat', 'cmd', 'ps1', 'psm1', 'vbs', 'vbe', 'jse', 'wsf', 'wsh', 'hta', 'cpl', 'msi', 'msp', 'lnk', 'reg', 'jar', 'dll']);

/**
 * The files of a session: uploads into staging, their verification into the session's namespace
 * (run by the upload worker), listing, download and removal. Callers have already proven they own
 * the session (SessionService.authorize); this service holds the rules of the files themselves.
 */
export class FilesService {
  constructor(private readonly deps: FilesServiceOptions) {}

  private get SessionFile() {
    return this.deps.db.models.SessionFile;
  }

  get maxUploadBytes(): number {
    return this.deps.maxUploadBytes;
  }

  /**
   * Streams an upload into staging and queues its processing. The row exists (as `uploading`)
   * before the first byte is written, so the cleanup never mistakes bytes in flight for leftovers.
   * A refused upload leaves nothing: no bytes, no row.
   */
  async upload(input: UploadInput, actor: Actor): Promise<UploadResult> {
    const { maxUploadBytes } = this.deps;
    await this.refuseIfTooLarge(input.sessionId, input.declaredSize, actor);
    const fileId = randomUUID();
    const key = stagingKey(fileId);
    const row = await this.deps.db.transaction((t) =>
      this.SessionFile.create(
        { id: fileId, sessionId: input.sessionId, objectKey: key, name: safeFileName(input.name), contentType: UNKNOWN_TYPE, size: 0, sha256: null, status: 'uploading', createdAt: this.deps.clock(), updatedAt: this.deps.clock() },
        { transaction: t },
      ),
    );

    let size: number;
    try {
      ({ size } = await this.deps.storage.put(key, input.body, { maxBytes: maxUploadBytes, contentType: UNKNOWN_TYPE }));
    } catch (error) {
      await this.discard(row);
      if (error instanceof ObjectTooLargeError) {
        await this.recordRefusal(input.sessionId, actor, 'too_large', { fileId });
        throw new FileTooLargeError(maxUploadBytes);
      }
      throw error;
    }
    if (size === 0) {
      await this.discard(row);
      throw new InvalidRequestError('The file is empty. Choose a file that has some content.');
    }

    await this.deps.db.transaction((t) => row.update({ size, updatedAt: this.deps.clock() }, { transaction: t }));
    this.deps.events.publish(input.sessionId, { type: 'file.added', file: toFileView(row) });
    try {
      if (!this.deps.uploads) throw new Error('This FilesService has no upload queue.');
      await this.deps.uploads.enqueueUpload({ fileId, sessionId: input.sessionId });
    } catch (error) {
      await this.reject(row, 'The file could not be queued for processing. Please upload it again.', 'not_queued', actor);
      throw error;
    }
    return { fileId };
  }

  /** Refuses an upload whose declared length is already over the limit, before a byte of it is read. */
  async refuseIfTooLarge(sessionId: string, declaredSize: number | undefined, actor: Actor): Promise<void> {
    if (declaredSize === undefined || declaredSize <= this.deps.maxUploadBytes) return;
    await this.recordRefusal(sessionId, actor, 'too_large', { declaredSize });
    throw new FileTooLargeError(this.deps.maxUploadBytes);
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

    const name = withExtension(row.name, inspection.extension);
    const finalKey = sessionFileKey(row.sessionId, fileId, name);
    if (source.key !== finalKey) await storage.move(source.key, finalKey, { contentType: inspection.contentType });

    const stored = await this.deps.db.transaction(async (t) => {
      const [count] = await this.SessionFile.update(
        { status: 'stored', objectKey: finalKey, name, contentType: inspection.contentType, sha256: inspection.sha256, updatedAt: this.deps.clock() },
        { where: { id: fileId, status: 'uploading' }, transaction: t },
      );
      if (count !== 1) return false;
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
      return true;
    });
    if (!stored) {
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

  /**
   * A run that died after marking the file but before its event reached Redis leaves the tabs
   * without the news: the job's next delivery tells them again (a repeated event is the same news).
   */
  private reannounce(row: SessionFileRow): void {
    const file = toFileView(row);
    if (row.status === 'stored') this.deps.events.publish(row.sessionId, { type: 'file.stored', file });
    if (row.status === 'failed') this.deps.events.publish(row.sessionId, { type: 'file.failed', file, reason: 'The file was refused when it was checked. Please upload it again.' });
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
    const removed = await this.deps.db.transaction(async (t) => {
      const [count] = await this.SessionFile.update(
        { status: 'deleted', updatedAt: this.deps.clock() },
        { where: { id: fileId, status: { [Op.ne]: 'deleted' } }, transaction: t },
      );
      if (count === 1) {
        await this.deps.audit.record({ event: 'file.removed', outcome: 'success', sessionId, actor, metadata: { fileId, name: row.name } }, t);
      }
      return count === 1;
    });
    if (removed) this.deps.events.publish(sessionId, { type: 'file.removed', fileId });
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

  /** Marks an upload failed with a reason a person can act on, removes its bytes, audits and tells the tabs. */
  private async reject(row: SessionFileRow, reason: string, code: string, actor: Actor): Promise<ProcessOutcome> {
    await this.deleteObjectsOf(row);
    const failed = await this.deps.db.transaction(async (t) => {
      const [count] = await this.SessionFile.update(
        { status: 'failed', updatedAt: this.deps.clock() },
        { where: { id: row.id, status: 'uploading' }, transaction: t },
      );
      if (count === 1) {
        await this.deps.audit.record(
          { event: 'file.rejected', outcome: 'refused', sessionId: row.sessionId, actor, metadata: { fileId: row.id, reason: code } },
          t,
        );
      }
      return count === 1;
    });
    if (failed) {
      await row.reload();
      this.deps.events.publish(row.sessionId, { type: 'file.failed', file: toFileView(row), reason });
    }
    return { outcome: 'rejected', reason };
  }

  private async recordRefusal(sessionId: string, actor: Actor, reason: string, metadata: Record<string, string | number>): Promise<void> {
    await this.deps.audit.record({ event: 'file.rejected', outcome: 'refused', sessionId, actor, metadata: { reason, ...metadata } });
  }
}

/** The name with the extension of its detected type, when it has none or one that names another type. */
function withExtension(name: string, detected: string | null): string {
  if (!detected) return name;
  const { stem, extension } = splitExtension(name);
  const current = extension?.toLowerCase();
  if (current === detected || (current !== undefined && EXTENSION_ALIASES[current] === detected)) return name;
  // Text keeps the extension it had (.csv, .md, .json are all text), unless that extension makes a system run it.
  if (detected === 'txt' && current !== undefined && !RUNNABLE_EXTENSIONS.has(current)) return name;
  return safeFileName(`${stem}.${detected}`);
}
