import type { FileView } from '../../../shared/files.js';
import type { SessionFileAttributes } from '../../db/models/session-file.js';
import { renameReason } from './stored-name.js';

/** What a failed file says when it failed before its reason was kept with it. */
export const UNKNOWN_FAILURE_REASON = 'It was refused when it was checked. Please upload it again.';

export function toFileView(row: SessionFileAttributes): FileView {
  // A row just created holds no attributes it was not given until it is read back.
  const originalName = row.originalName ?? null;
  return {
    fileId: row.id,
    sessionId: row.sessionId,
    name: row.name,
    contentType: row.contentType,
    size: row.size,
    sha256: row.sha256 ?? null,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    failure: row.status === 'failed' ? { code: row.failureCode ?? 'unknown', reason: row.failureReason ?? UNKNOWN_FAILURE_REASON } : null,
    renamed: originalName !== null && originalName !== row.name ? { from: originalName, because: renameReason(originalName, row.name, row.contentType) } : null,
  };
}
