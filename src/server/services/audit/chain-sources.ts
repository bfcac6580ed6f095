import type { ChainedRow } from './audit-chain.js';
import type { ArchiveEntry, AuditArchiveStore } from './audit-archive-store.js';
import type { AuditStore } from './audit-store.js';

const PAGE = 1000;

/** The rows still in the database, in id order, a page at a time. */
export class DatabaseRows {
  private buffered: ChainedRow[] = [];
  private afterId = 0;
  private done = false;

  constructor(private readonly rows: AuditStore) {}

  async peek(): Promise<ChainedRow | undefined> {
    if (this.buffered.length === 0 && !this.done) {
      this.buffered = await this.rows.page(this.afterId, PAGE);
      this.afterId = this.buffered.at(-1)?.id ?? this.afterId;
      this.done = this.buffered.length < PAGE;
    }
    return this.buffered[0];
  }

  advance(): void {
    this.buffered.shift();
  }
}

export interface ArchivedRow {
  row: ChainedRow;
  /** The data object the row was read from. */
  key: string;
}

/**
 * The rows of every archive, one archive after another in the listing's order (by first id), each
 * checked against its manifest as it is loaded (AuditArchiveStore.read). Overlapping archives yield
 * their shared rows once from each: the verifier compares them, it never skips one.
 */
export class ArchivedRows {
  private index = -1;
  private rows: ChainedRow[] = [];
  private position = 0;

  constructor(
    private readonly store: AuditArchiveStore,
    private readonly archives: readonly ArchiveEntry[],
  ) {}

  /** The first id of the archive being read (0 before the first). */
  get currentFromId(): number {
    return this.archives[this.index]?.fromId ?? 0;
  }

  /** The first id of the next archive not yet read: rows from there on may be met again. */
  get nextFromId(): number {
    return this.archives[this.index + 1]?.fromId ?? Number.POSITIVE_INFINITY;
  }

  /** Throws ArchiveContentError when the next archive does not hold up. */
  async peek(): Promise<ArchivedRow | undefined> {
    while (this.position >= this.rows.length) {
      const next = this.archives[this.index + 1];
      if (!next) return undefined;
      this.index += 1;
      this.rows = (await this.store.read(next.fromId, next.toId, { requireManifest: next.hasManifest })).rows;
      this.position = 0;
    }
    const row = this.rows[this.position];
    const archive = this.archives[this.index];
    return row && archive ? { row, key: archive.keys.data } : undefined;
  }

  advance(): void {
    this.position += 1;
  }
}
