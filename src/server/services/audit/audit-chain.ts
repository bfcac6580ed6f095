import { createHash } from 'node:crypto';

/** The `prev_hash` of the first row ever written: no row comes before it. */
export const GENESIS_HASH = '0'.repeat(64);

/** One audit row as the chain sees it: everything the hash covers, plus where it sits. */
export interface ChainedRow {
  /** Position in the chain: ids are assigned 1, 2, 3, … with no gaps, so a missing id is a removed row. */
  id: number;
  createdAt: Date;
  sessionId: string | null;
  event: string;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  metadata: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export type RowContent = Omit<ChainedRow, 'id' | 'prevHash' | 'hash'>;

/** JSON with object keys sorted at every depth, so equal metadata always encodes to the same bytes. */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${sortedJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The canonical encoding a row's hash covers: a JSON array in this fixed order —
 * [prev_hash, created_at as ISO 8601 UTC with milliseconds, session_id, event, outcome, ip,
 * user_agent, request_id, metadata with keys sorted at every depth], absent values as null.
 * The id is left out on purpose: it is where the row is stored, and the `prev_hash` link is what
 * fixes its place, so a row moved to another id reads as out of order rather than as edited.
 */
export function canonicalEncoding(content: RowContent, prevHash: string): string {
  return sortedJson([
    prevHash,
    content.createdAt.toISOString(),
    content.sessionId,
    content.event,
    content.outcome,
    content.ip,
    content.userAgent,
    content.requestId,
    content.metadata,
  ]);
}

/** SHA-256 (hex) of the canonical encoding: each row's hash covers the hash of the row before it. */
export function chainHash(content: RowContent, prevHash: string): string {
  return createHash('sha256').update(canonicalEncoding(content, prevHash)).digest('hex');
}

/** Links `contents` to the chain after `head`, in order: ids follow on from the head's, each hash covers the one before. */
export function chainAfter(head: { lastId: number; hash: string }, contents: readonly RowContent[]): ChainedRow[] {
  let prevHash = head.hash;
  return contents.map((content, index) => {
    const hash = chainHash(content, prevHash);
    const row: ChainedRow = { ...content, id: head.lastId + index + 1, prevHash, hash };
    prevHash = hash;
    return row;
  });
}
