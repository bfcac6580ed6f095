import type { Clock } from '../actor.js';
import type { ChainedRow } from './audit-chain.js';
import type { AuditArchiveStore } from './audit-archive-store.js';
import { AuditArchiveMismatchError, type AuditStore } from './audit-store.js';

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
 * Moves audit rows past retention to the object store: the oldest rows in the database, in id
 * order, up to the first one still within retention, so that what remains is always the chain's
 * tail. Where to start comes from the database alone (its oldest rows), never from what the store
 * lists, so a manifest planted there cannot make it delete anything. Each batch is stored (data,
 * then manifest), read back and matched row by row with what is about to go, and only then deleted,
 * in a transaction that checks the rows are still the ones archived. A run stopped in between
 * leaves the rows in the database, and the next run archives them again.
 */
export class AuditArchiver {
  private readonly batchSize: number;

  constructor(private readonly opts: AuditArchiverOptions) {
    this.batchSize = opts.batchSize ?? 10_000;
  }

  async run(): Promise<ArchiveReport> {
    const cutoff = this.opts.clock().getTime() - this.opts.retentionMs;
    const report: ArchiveReport = { archives: 0, rows: 0 };
    for (;;) {
      const page = await this.opts.rows.page(0, this.batchSize);
      const end = dueRun(page, cutoff);
      const due = page.slice(0, end);
      if (due.length === 0) return report;
      await this.opts.archives.write(due, this.opts.clock());
      await this.readBack(due);
      await this.opts.rows.deleteArchived(due);
      report.archives += 1;
      report.rows += due.length;
      const more = end < page.length ? isDue(page[end], cutoff) : page.length === this.batchSize;
      if (!more) return report;
    }
  }

  /** Throws unless the store now holds exactly `due` as an archive that matches its own manifest (digest included). */
  private async readBack(due: readonly ChainedRow[]): Promise<void> {
    const first = due[0];
    const last = due.at(-1);
    if (!first || !last) return;
    const { rows } = await this.opts.archives.read(first.id, last.id);
    for (const [index, row] of due.entries()) {
      const stored = rows[index];
      if (stored?.id !== row.id || stored.hash !== row.hash || stored.prevHash !== row.prevHash) {
        throw new AuditArchiveMismatchError(`the archive of rows ${first.id}–${last.id} read back does not hold row ${row.id} as the database does: nothing was deleted`);
      }
    }
  }
}

/** How many rows from the start of `page` are past retention and consecutive: a gap (removed rows, which verification reports) ends an archive. */
function dueRun(page: readonly ChainedRow[], cutoff: number): number {
  let end = 0;
  let previous: ChainedRow | undefined;
  for (const row of page) {
    if (!isDue(row, cutoff) || (previous && row.id !== previous.id + 1)) break;
    previous = row;
    end += 1;
  }
  return end;
}

function isDue(row: ChainedRow | undefined, cutoff: number): boolean {
  return row !== undefined && row.createdAt.getTime() < cutoff;
}
