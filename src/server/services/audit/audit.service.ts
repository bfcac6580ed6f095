import type { Transaction } from 'sequelize';
import type { Database } from '../../db/database.js';
import type { AuditOutcome } from '../../db/models/audit-log.js';
import type { Actor, Clock } from '../actor.js';
import type { ChainedRow, RowContent } from './audit-chain.js';
import { AuditStore } from './audit-store.js';
import { GroupCommit } from './group-commit.js';

export type AuditEvent =
  | 'session.generated'
  | 'session.validated'
  | 'session.validation_failed'
  | 'session.reset'
  | 'session.expired'
  | 'chat.sent'
  | 'rate_limit.exceeded'
  | 'origin.rejected'
  | 'file.uploaded'
  | 'file.rejected'
  | 'file.deleted'
  | 'cleanup.completed'
  | 'admin.auth_failed';

export interface AuditEntry {
  event: AuditEvent;
  outcome: AuditOutcome;
  sessionId?: string | null;
  actor: Actor;
  /** Facts about the event; never a credential, cookie or header dump. */
  metadata?: Record<string, string | number | boolean | null>;
}

export interface AuditServiceOptions {
  db: Database;
  clock: Clock;
  /** Rows per group commit at most (default 256: well inside both databases' bound-parameter limits). */
  maxBatch?: number;
  /** How long a lone row waits for others before its commit starts (default 0: the current event-loop turn). */
  windowMs?: number;
  /** Told the size of each group commit. */
  onBatch?: (size: number) => void;
  /** Told when a commit holding `enqueue`d rows failed: those rows are lost, and nobody else hears of it. */
  onLostRows?: (error: unknown, rows: number) => void;
}

/** The longest an `enqueue`d row waits before its commit starts: what a crash can lose of them. */
export const QUEUED_ROW_MAX_WAIT_MS = 50;

/** Told the rows of every write once they have committed (the metrics read the log here). */
export type AuditObserver = (rows: readonly ChainedRow[]) => void;

const MAX_USER_AGENT = 512;

/**
 * The audit log: one hash chain over every row (see audit-chain.ts). Rows recorded without a
 * transaction are group-committed: the rows of concurrent requests share one transaction, and each
 * `record` resolves once its row has committed, so a caller that awaits it answers only after the
 * row is durable. The rule: a state change or a refusal is `record`ed and awaited; a row whose
 * answer changes nothing (a successful validation) is `enqueue`d into the same line, so it is
 * chained in order but nobody waits for its commit.
 */
export class AuditService {
  private readonly store: AuditStore;
  private readonly writer: GroupCommit<RowContent>;
  private readonly observers: AuditObserver[] = [];

  constructor(private readonly deps: AuditServiceOptions) {
    this.store = new AuditStore(deps.db);
    this.writer = new GroupCommit<RowContent>({
      write: (contents) => deps.db.transaction((t) => this.store.append(contents, t)).then((rows) => { this.notify(rows); }),
      maxBatch: deps.maxBatch ?? 256,
      windowMs: deps.windowMs ?? 0,
      queuedWindowMs: QUEUED_ROW_MAX_WAIT_MS,
      onBatch: deps.onBatch,
      onQueuedFailure: deps.onLostRows,
    });
  }

  /**
   * Records one row. Without `transaction` the row joins the next group commit, and rows are chained
   * in the order `record` was called (so `Promise.all([record(a), record(b)])` keeps a before b).
   * With `transaction` the row is chained inside it and commits or rolls back with it; the chain head
   * stays locked until that transaction ends, so keep such transactions short.
   */
  async record(entry: AuditEntry, transaction?: Transaction): Promise<void> {
    const content = this.contentOf(entry);
    if (!transaction) {
      await this.writer.add(content);
      return;
    }
    const rows = await this.store.append([content], transaction);
    transaction.afterCommit(() => { this.notify(rows); });
  }

  /**
   * Queues one row into the next group commit without waiting for it: it commits within
   * QUEUED_ROW_MAX_WAIT_MS (plus a write in flight), or at `close`. A crash before then loses it.
   */
  enqueue(entry: AuditEntry): void {
    this.writer.queue(this.contentOf(entry));
  }

  /** Adds an observer of committed rows. It must not throw: the rows are already durable. */
  observe(observer: AuditObserver): void {
    this.observers.push(observer);
  }

  /** The rows of one session, oldest first. */
  async forSession(sessionId: string) {
    return this.deps.db.models.AuditLog.findAll({ where: { sessionId }, order: [['id', 'ASC']] });
  }

  /** Resolves once every row recorded or queued so far has committed (or failed). */
  async flush(): Promise<void> {
    await this.writer.drain();
  }

  /** Waits for the rows already recorded or queued to commit; the database may close after this. */
  async close(): Promise<void> {
    await this.flush();
  }

  private notify(rows: readonly ChainedRow[]): void {
    for (const observer of this.observers) observer(rows);
  }

  private contentOf(entry: AuditEntry): RowContent {
    return {
      event: entry.event,
      outcome: entry.outcome,
      sessionId: entry.sessionId ?? null,
      ip: entry.actor.ip,
      userAgent: entry.actor.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
      requestId: entry.actor.requestId,
      metadata: entry.metadata ?? {},
      createdAt: this.deps.clock(),
    };
  }
}
