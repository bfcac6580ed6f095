import { Op, type WhereOptions } from 'sequelize';
import type { AuditListQuery, AuditPage, AuditRowView } from '../../../shared/admin.js';
import type { Database } from '../../db/database.js';
import type { AuditLogAttributes } from '../../db/models/audit-log.js';
import { AuditStore } from '../audit/audit-store.js';
import { toAuditRowView } from './audit-row-view.js';

export interface AuditBrowserOptions {
  db: Database;
  /** How often a tail asks for new rows, in ms (default 500). */
  pollMs?: number;
}

const TAIL_BATCH = 200;

/**
 * The first instant PostgreSQL takes: it has no year 0, which ISO 8601 (and the filter's schema)
 * does. Every row was stamped by a clock long after it, so a filter before it means the same from it.
 */
const EARLIEST_TIME = new Date('0001-01-01T00:00:00.000Z');

function filterTime(iso: string): Date {
  const time = new Date(iso);
  return time < EARLIEST_TIME ? EARLIEST_TIME : time;
}

/**
 * The audit log as the administrator reads it: filtered pages, newest first, and a live tail.
 *
 * The tail polls by id rather than listening on a Redis channel: ids are assigned under the chain
 * head's lock in commit order with no gaps, so "rows above the last id seen" misses nothing, from
 * any writer — every server instance and the workers (expiries, cleanups) alike, with no publisher
 * to add to each — and resuming after a dropped socket is the same query. Its cost is one indexed
 * query per open admin page every half second.
 */
export class AuditBrowser {
  private readonly store: AuditStore;
  private readonly pollMs: number;

  constructor(private readonly opts: AuditBrowserOptions) {
    this.store = new AuditStore(opts.db);
    this.pollMs = opts.pollMs ?? 500;
  }

  async list(query: AuditListQuery): Promise<AuditPage> {
    const where: WhereOptions<AuditLogAttributes>[] = [];
    if (query.sessionId) where.push({ sessionId: query.sessionId });
    if (query.event) where.push({ event: query.event });
    if (query.outcome) where.push({ outcome: query.outcome });
    if (query.from) where.push({ createdAt: { [Op.gte]: filterTime(query.from) } });
    if (query.to) where.push({ createdAt: { [Op.lt]: filterTime(query.to) } });
    if (query.cursor) where.push({ id: { [Op.lt]: query.cursor } });
    const rows = await this.opts.db.models.AuditLog.findAll({ where: { [Op.and]: where }, order: [['id', 'DESC']], limit: query.limit + 1 });
    const page = rows.slice(0, query.limit).map(toAuditRowView);
    const last = page.at(-1);
    return { rows: page, nextCursor: rows.length > query.limit && last ? last.id : null };
  }

  /** The id of the newest row (0 when none was ever written): a tail starts after it. */
  async newestId(): Promise<number> {
    return (await this.store.head()).lastId;
  }

  /** Rows after `afterId`, oldest first, as they are written, until `signal` aborts. */
  async *follow(afterId: number, signal: AbortSignal): AsyncGenerator<AuditRowView> {
    let last = afterId;
    while (!signal.aborted) {
      const rows = await this.store.page(last, TAIL_BATCH);
      for (const row of rows) {
        last = row.id;
        yield toAuditRowView(row);
      }
      if (rows.length < TAIL_BATCH) await pause(this.pollMs, signal);
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
