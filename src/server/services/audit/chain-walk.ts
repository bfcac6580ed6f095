import { chainHash, GENESIS_HASH, type ChainedRow } from './audit-chain.js';
import type { ChainHead } from './audit-store.js';

/** Where the chain breaks: the first row that is wrong (or, for removed rows, the first missing id). */
export interface ChainBreak {
  rowId: number;
  message: string;
}

/** "row 4 was" or "rows 4–6 were": the start of a sentence about removed rows. */
export function idRange(from: number, to: number): string {
  return from === to ? `row ${from} was` : `rows ${from}–${to} were`;
}

/**
 * Checks rows one by one in id order, from the first row ever written: each must hash to its stored
 * hash (else it was edited), link to the row before (else rows were removed or reordered) and take
 * the next id.
 */
export class ChainWalk {
  private lastId = 0;
  private lastHash = GENESIS_HASH;
  private checked = 0;

  get position(): ChainHead {
    return { lastId: this.lastId, hash: this.lastHash };
  }

  get rows(): number {
    return this.checked;
  }

  /** The break `row` shows, or null when it follows on. */
  next(row: ChainedRow): ChainBreak | null {
    const expectedId = this.lastId + 1;
    if (chainHash(row, row.prevHash) !== row.hash) {
      return { rowId: row.id, message: `row ${row.id} was edited: its hash does not match its content` };
    }
    if (row.prevHash !== this.lastHash) {
      if (row.id > expectedId) {
        return { rowId: expectedId, message: `${idRange(expectedId, row.id - 1)} removed: row ${row.id} links to a row that is not there` };
      }
      const before = this.lastId === 0 ? 'the start of the chain' : `row ${this.lastId}`;
      return { rowId: row.id, message: `row ${row.id} is out of order: it does not link to ${before} (rows were reordered or moved)` };
    }
    if (row.id !== expectedId) return { rowId: row.id, message: `row ${row.id} was renumbered: the chain expects id ${expectedId} here` };
    this.lastId = row.id;
    this.lastHash = row.hash;
    this.checked += 1;
    return null;
  }

  /** Compares where the walk ended with the recorded chain head, which catches rows removed from the end. */
  finish(head: ChainHead): ChainBreak | null {
    if (head.lastId > this.lastId) return { rowId: this.lastId + 1, message: `${idRange(this.lastId + 1, head.lastId)} removed from the end of the chain` };
    if (head.lastId < this.lastId) return { rowId: head.lastId + 1, message: `row ${head.lastId + 1} is past the chain head: it was added outside the chain` };
    if (head.hash !== this.lastHash) return { rowId: this.lastId, message: `row ${this.lastId} does not match the chain head` };
    return null;
  }
}
