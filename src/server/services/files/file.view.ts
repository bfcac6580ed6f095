import type { FileView } from '../../../shared/files.js';
import type { SessionFileAttributes } from '../../db/models/session-file.js';

export function toFileView(row: SessionFileAttributes): FileView {
  return {
    fileId: row.id,
    sessionId: row.sessionId,
    name: row.name,
    contentType: row.contentType,
    size: row.size,
    // A row just created holds no sha256 attribute at all until it is read back.
    sha256: row.sha256 ?? null,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
  };
}
