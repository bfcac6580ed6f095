import { Op } from 'sequelize';
import type { Database } from '../../db/database.js';
import type { SessionFileRow } from '../../db/models/session-file.js';
import { parseStagingKey, sessionIdOfKey, SESSIONS_PREFIX, STAGING_PREFIX } from '../../storage/keys.js';
import { listAll, MAX_DELETE_BATCH, type ObjectStore } from '../../storage/object-store.js';
import type { Actor, Clock } from '../actor.js';
import type { AuditService } from '../audit/audit.service.js';
import type { EventPublisher } from '../event-publisher.js';
import { ABANDONED_REASON, AbandonedUploads } from './abandoned-uploads.js';
import { CleanupDeletions, type CleanupCandidate, type CleanupReason, type CleanupReport } from './cleanup-deletions.js';
import { EndedSessionFiles } from './ended-session-files.js';
import { endedBy, readSessionStates, type SessionState } from './session-states.js';
import { toFileView } from './file.view.js';
import { abandonedUploadAfterMs, DEFAULT_HEARTBEAT_MS } from './upload-liveness.js';

export type { CleanupReport };

export interface OrphanCleanupOptions {
  db: Database;
  storage: ObjectStore;
  audit: AuditService;
  events: EventPublisher;
  clock: Clock;
  /** How long a reset or expired session's objects are kept before they go (ORPHAN_GRACE). */
  graceMs: number;
  /** An upload still `uploading` after this long is abandoned; so is an incomplete multipart upload. */
  staleUploadMs?: number;
  /**
   * An upload with none of its bytes in the store whose row has gone untouched this long died
   * with its server (default: `abandonedUploadAfterMs` of the default heartbeat).
   */
  abandonedUploadMs?: number;
  /** Keys per delete call, at most 1000. */
  batchSize?: number;
}

const DAY_MS = 86_400_000;

/**
 * The pages of `pages`, the next one already being listed while the caller looks up and deletes
 * the current one's objects. A page lists only keys after the one before it, so this overlaps
 * waits, not decisions: every object is still judged, and judged again at delete time.
 */
async function* readAhead<T>(pages: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = pages[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = iterator.next();
      next.catch(() => undefined); // seen by the await above, or dropped below when the caller stops
      yield result.value;
    }
  } finally {
    await next.catch(() => undefined);
    await iterator.return?.();
  }
}

/**
 * Deletes what sessions leave behind in the object store: objects of sessions that were reset or
 * expired more than the grace period ago, objects under `sessions/` whose session is unknown,
 * staged bytes with no live upload and incomplete multipart uploads; and fails uploads that died
 * before their bytes arrived. The files the database names go first, by key with no listing
 * (EndedSessionFiles); then `sessions/` and `staging/` are listed page by page for what no row
 * names, which by then is mostly what stays. Deletes go in batches of up to 1000 keys, and each
 * batch reads its sessions' status again right before it is deleted: an object of an active
 * session is never deleted.
 */
export class OrphanCleanupService {
  private readonly staleUploadMs: number;
  private readonly batchSize: number;
  private readonly abandoned: AbandonedUploads;
  private readonly deletions: CleanupDeletions;
  private readonly endedSessionFiles: EndedSessionFiles;

  constructor(private readonly opts: OrphanCleanupOptions) {
    this.staleUploadMs = opts.staleUploadMs ?? DAY_MS;
    this.batchSize = Math.min(opts.batchSize ?? MAX_DELETE_BATCH, MAX_DELETE_BATCH);
    this.deletions = new CleanupDeletions(opts);
    this.endedSessionFiles = new EndedSessionFiles({ ...opts, deletions: this.deletions, batchSize: this.batchSize });
    this.abandoned = new AbandonedUploads({ ...opts, abandonedAfterMs: opts.abandonedUploadMs ?? abandonedUploadAfterMs(DEFAULT_HEARTBEAT_MS), batchSize: this.batchSize });
  }

  async run(actor: Actor): Promise<CleanupReport> {
    const started = Date.now();
    const report: CleanupReport = {
      endedSessionObjects: 0,
      unknownSessionObjects: 0,
      stagingObjects: 0,
      abandonedUploads: 0,
      incompleteUploadsAborted: null,
      kept: 0,
      failedDeletes: 0,
      durationMs: 0,
    };
    await this.endedSessionFiles.remove(report, actor);
    await this.sweepSessions(report, actor);
    await this.sweepStaging(report, actor);
    report.abandonedUploads += await this.abandoned.fail(actor);
    const multipart = await this.opts.storage.abortIncompleteUploads(new Date(this.opts.clock().getTime() - this.staleUploadMs));
    report.incompleteUploadsAborted = multipart.supported ? multipart.aborted : null;
    report.durationMs = Date.now() - started;
    await this.opts.audit.record({
      event: 'cleanup.completed',
      outcome: report.failedDeletes === 0 ? 'success' : 'failure',
      actor,
      metadata: { ...report, incompleteUploadsAborted: report.incompleteUploadsAborted ?? 'unsupported' },
    });
    return report;
  }

  /** Objects under `sessions/`: those of sessions ended past the grace period, or of no session at all. */
  private async sweepSessions(report: CleanupReport, actor: Actor): Promise<void> {
    const pending: CleanupCandidate[] = [];
    for await (const page of readAhead(listAll(this.opts.storage, SESSIONS_PREFIX))) {
      const states = await readSessionStates(this.opts.db, page.map((object) => sessionIdOfKey(object.key) ?? null));
      for (const object of page) {
        const sessionId = sessionIdOfKey(object.key) ?? null;
        const reason = this.verdict(sessionId, states);
        if (reason) pending.push({ key: object.key, sessionId, reason });
        else report.kept += 1;
      }
      while (pending.length >= this.batchSize) await this.deleteSessionBatch(pending.splice(0, this.batchSize), report, actor);
    }
    if (pending.length > 0) await this.deleteSessionBatch(pending, report, actor);
  }

  /** Why the object of `sessionId` may go, or null if it stays. */
  private verdict(sessionId: string | null, states: Map<string, SessionState>): CleanupReason | null {
    const state = sessionId ? states.get(sessionId) : undefined;
    if (!state) return 'session_unknown';
    return endedBy(state, this.opts.clock().getTime() - this.opts.graceMs) ? 'session_ended' : null;
  }

  private async deleteSessionBatch(batch: CleanupCandidate[], report: CleanupReport, actor: Actor): Promise<void> {
    // Read again at delete time: whatever changed since the listing, an active session's object stays.
    const states = await readSessionStates(this.opts.db, batch.map((candidate) => candidate.sessionId));
    const confirmed = batch.filter((candidate) => {
      const stillGoes = this.verdict(candidate.sessionId, states) !== null;
      if (!stillGoes) report.kept += 1;
      return stillGoes;
    });
    const deleted = await this.deletions.delete(confirmed, report);
    for (const candidate of deleted) {
      if (candidate.reason === 'session_ended') report.endedSessionObjects += 1;
      else report.unknownSessionObjects += 1;
    }
    await this.opts.db.transaction(async (t) => {
      const ended = deleted.filter((candidate) => candidate.reason === 'session_ended');
      const sessionIds = [...new Set(ended.flatMap((candidate) => (candidate.sessionId ? [candidate.sessionId] : [])))];
      if (sessionIds.length > 0) {
        await this.opts.db.models.SessionFile.update(
          { status: 'deleted', updatedAt: this.opts.clock() },
          { where: { sessionId: sessionIds, objectKey: ended.map((candidate) => candidate.key), status: { [Op.ne]: 'deleted' } }, transaction: t },
        );
      }
    });
    await this.deletions.record(deleted, actor);
  }

  /** Staged bytes whose upload is not live: no row, a row past `uploading`, or one stuck past the stale limit. */
  private async sweepStaging(report: CleanupReport, actor: Actor): Promise<void> {
    const { SessionFile } = this.opts.db.models;
    const staleBefore = new Date(this.opts.clock().getTime() - this.staleUploadMs);
    const liveUploads = async (fileIds: string[]) => {
      const rows = await SessionFile.findAll({ attributes: ['id', 'sessionId', 'status', 'createdAt'], where: { id: fileIds } });
      return new Map(rows.map((row) => [row.id, row]));
    };
    const pending: (CleanupCandidate & { fileId: string | null })[] = [];
    const flush = async (batch: typeof pending) => {
      const rows = await liveUploads(batch.flatMap((candidate) => (candidate.fileId ? [candidate.fileId] : [])));
      const confirmed = batch.filter((candidate) => {
        const row = candidate.fileId ? rows.get(candidate.fileId) : undefined;
        const live = row?.status === 'uploading' && row.createdAt > staleBefore;
        if (live) report.kept += 1;
        return !live;
      });
      const deleted = await this.deletions.delete(confirmed, report);
      report.stagingObjects += deleted.length;
      const abandoned = deleted.flatMap((candidate) => {
        const row = candidate.fileId ? rows.get(candidate.fileId) : undefined;
        return row?.status === 'uploading' ? [row.id] : [];
      });
      const failed = await this.opts.db.transaction(async (t) => {
        let marked: SessionFileRow[] = [];
        if (abandoned.length > 0) {
          await SessionFile.update(
            { status: 'failed', failureCode: 'abandoned', failureReason: ABANDONED_REASON, updatedAt: this.opts.clock() },
            { where: { id: abandoned, status: 'uploading' }, transaction: t },
          );
          marked = await SessionFile.findAll({ where: { id: abandoned, status: 'failed' }, transaction: t });
        }
        return marked;
      });
      await this.deletions.record(deleted, actor);
      report.abandonedUploads += failed.length;
      for (const row of failed) {
        this.opts.events.publish(row.sessionId, { type: 'file.failed', file: toFileView(row), reason: ABANDONED_REASON });
      }
    };

    for await (const page of readAhead(listAll(this.opts.storage, STAGING_PREFIX))) {
      const fileIds = page.flatMap((object) => parseStagingKey(object.key) ?? []);
      const rows = await liveUploads(fileIds);
      for (const object of page) {
        const fileId = parseStagingKey(object.key);
        const row = fileId ? rows.get(fileId) : undefined;
        if (row?.status === 'uploading' && row.createdAt > staleBefore) report.kept += 1;
        else pending.push({ key: object.key, sessionId: row?.sessionId ?? null, reason: 'staging_orphaned', fileId });
      }
      while (pending.length >= this.batchSize) await flush(pending.splice(0, this.batchSize));
    }
    if (pending.length > 0) await flush(pending);
  }
}
