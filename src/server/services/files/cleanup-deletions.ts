import type { ObjectStore } from '../../storage/object-store.js';
import type { Actor } from '../actor.js';
import type { AuditService } from '../audit/audit.service.js';

export interface CleanupReport {
  /** Objects of sessions that ended more than the grace period ago (keys of their file rows, and any other object under their prefix). */
  endedSessionObjects: number;
  /** Objects under `sessions/` that no session owns. */
  unknownSessionObjects: number;
  /** Staged uploads that no live upload owns. */
  stagingObjects: number;
  /** Uploads marked failed because they never finished (stuck with staged bytes, or with none). */
  abandonedUploads: number;
  /** Incomplete multipart uploads aborted; null where the store cannot list them. */
  incompleteUploadsAborted: number | null;
  /** Objects listed and kept (active sessions, ended within the grace period, live uploads). */
  kept: number;
  /** Deletes the store refused; they are tried again on the next run. */
  failedDeletes: number;
  durationMs: number;
}

export type CleanupReason = 'session_ended' | 'session_unknown' | 'staging_orphaned';

export interface CleanupCandidate {
  key: string;
  /** The session the object belongs to, when it names one. */
  sessionId: string | null;
  reason: CleanupReason;
}

/** The two steps every cleanup deletion takes: the delete call, then its audit rows. */
export class CleanupDeletions {
  constructor(private readonly opts: { storage: ObjectStore; audit: AuditService }) {}

  /** Deletes the candidates' objects in one call; returns those that are gone. */
  async delete<T extends CleanupCandidate>(batch: T[], report: CleanupReport): Promise<T[]> {
    if (batch.length === 0) return [];
    const { deleted, failed } = await this.opts.storage.deleteMany(batch.map((candidate) => candidate.key));
    report.failedDeletes += failed.length;
    const gone = new Set(deleted);
    return batch.filter((candidate) => gone.has(candidate.key));
  }

  /** One `file.deleted` row per session and reason in the batch, with the count of its objects. */
  async record(deleted: readonly CleanupCandidate[], actor: Actor): Promise<void> {
    const groups = new Map<string, { sessionId: string | null; reason: CleanupReason; objects: number }>();
    for (const candidate of deleted) {
      const id = `${candidate.sessionId ?? ''}|${candidate.reason}`;
      const group = groups.get(id) ?? { sessionId: candidate.sessionId, reason: candidate.reason, objects: 0 };
      group.objects += 1;
      groups.set(id, group);
    }
    // After the change has committed, in one group commit.
    await Promise.all(
      [...groups.values()].map((group) =>
        this.opts.audit.record({ event: 'file.deleted', outcome: 'success', sessionId: group.sessionId, actor, metadata: { reason: group.reason, objects: group.objects } }),
      ),
    );
  }
}
