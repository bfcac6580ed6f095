import type { Transaction } from 'sequelize';
import type { Database } from '../../db/database.js';
import { FileTooLargeError, SessionStorageFullError } from './files.errors.js';

/** Rows whose bytes count against the quota: stored files and uploads in flight (by what they reserved). */
const HOLDING_STATUSES = ['uploading', 'stored'] as const;

/** How many bytes one upload may bring, and what to say when it brings more. */
export interface UploadAllowance {
  maxBytes: number;
  refusal(): FileTooLargeError;
}

/**
 * The per-session storage quota (SESSION_MAX_STORED_BYTES) beside the per-file limit
 * (MAX_UPLOAD_BYTES): an upload may bring the smaller of the file limit and what is left.
 */
export class SessionStorageQuota {
  constructor(private readonly opts: { db: Database; maxUploadBytes: number; quotaBytes: number }) {}

  async allowance(sessionId: string, transaction?: Transaction): Promise<UploadAllowance> {
    const { maxUploadBytes, quotaBytes } = this.opts;
    const remaining = Math.max(0, quotaBytes - (await this.used(sessionId, transaction)));
    if (remaining >= maxUploadBytes) return { maxBytes: maxUploadBytes, refusal: () => new FileTooLargeError(maxUploadBytes) };
    return { maxBytes: remaining, refusal: () => new SessionStorageFullError(quotaBytes, remaining) };
  }

  private async used(sessionId: string, transaction?: Transaction): Promise<number> {
    const sum: unknown = await this.opts.db.models.SessionFile.sum('size', { where: { sessionId, status: [...HOLDING_STATUSES] }, transaction });
    return Number(sum ?? 0) || 0;
  }
}
