import type { ProcessDeps } from '../src/server/process-deps.js';
import { AuditArchiveStore } from '../src/server/services/audit/audit-archive-store.js';
import { AuditArchiver } from '../src/server/services/audit/audit-archiver.js';
import { AuditStore } from '../src/server/services/audit/audit-store.js';
import { OrphanCleanupService } from '../src/server/services/files/orphan-cleanup.service.js';
import { abandonedUploadAfterMs } from '../src/server/services/files/upload-liveness.js';
import { UploadProcessingService } from '../src/server/services/files/upload-processing.service.js';

/** What the workers add to the parts every process has: the services their jobs run. */
export interface WorkerServices {
  /** The audit rows as stored, which the archiver moves and the checkpoint seals. */
  auditRows: AuditStore;
  archiver: AuditArchiver;
  uploadProcessing: UploadProcessingService;
  cleanup: OrphanCleanupService;
}

export function createWorkerServices(deps: ProcessDeps): WorkerServices {
  const { config, db, storage, audit, events, clock } = deps;
  const auditRows = new AuditStore(db);
  return {
    auditRows,
    archiver: new AuditArchiver({ rows: auditRows, archives: new AuditArchiveStore(storage), clock, retentionMs: config.auditRetentionMs }),
    uploadProcessing: new UploadProcessingService({ db, storage, audit, events, clock, maxUploadBytes: config.maxUploadBytes }),
    cleanup: new OrphanCleanupService({
      db,
      storage,
      audit,
      events,
      clock,
      graceMs: config.orphanGraceMs,
      // The web server's uploads touch their rows every UPLOAD_IDLE_TIMEOUT (FilesService's heartbeat).
      abandonedUploadMs: abandonedUploadAfterMs(config.uploadIdleTimeoutMs),
    }),
  };
}
