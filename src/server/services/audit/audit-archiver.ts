import type { Clock } from '../actor.js';
import type { AuditArchiveStore } from './audit-archive-store.js';
import type { AuditStore } from './audit-store.js';

export interface AuditArchiverOptions {
  rows: AuditStore;
  archives: AuditArchiveStore;
  clock: Clock;
  /** Rows older than this (by created_at) leave the database (AUDIT_RETENTION). */
  retentionMs: number;
  /** Rows per archive at most. */
  batchSize?: number;
}

export interface ArchiveReport {
  archives: number;
  rows: number;
}

/**
 * Moves audit rows past retention to the object store: the oldest rows, in id order, up to the first
 * one still within retention, so that what remains is always the chain's tail and the last archive's
 * manifest holds the head the first remaining row links to. Each batch is stored (data, then
 * manifest) before it is deleted; a run stopped in between leaves rows that the next run deletes.
 */
export class AuditArchiver {
  private readonly batchSize: number;

  constructor(private readonly opts: AuditArchiverOptions) {
    this.batchSize = opts.batchSize ?? 10_000;
  }

  async run(): Promise<ArchiveReport> {
    const cutoff = this.opts.clock().getTime() - this.opts.retentionMs;
    const report: ArchiveReport = { archives: 0, rows: 0 };
    let archivedThrough = (await this.opts.archives.manifests()).at(-1)?.toId ?? 0;
    if (archivedThrough > 0) await this.opts.rows.deleteThrough(archivedThrough);
    for (;;) {
      const page = await this.opts.rows.page(archivedThrough, this.batchSize);
      const firstKept = page.findIndex((row) => row.createdAt.getTime() >= cutoff);
      const due = firstKept === -1 ? page : page.slice(0, firstKept);
      const last = due.at(-1);
      if (!last) return report;
      await this.opts.archives.write(due, this.opts.clock());
      await this.opts.rows.deleteThrough(last.id);
      archivedThrough = last.id;
      report.archives += 1;
      report.rows += due.length;
      if (due.length < page.length || page.length < this.batchSize) return report;
    }
  }
}
