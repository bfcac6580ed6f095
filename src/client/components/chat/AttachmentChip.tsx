import { useSessionFiles } from '../files/useSessionFiles.js';
import { formatBytes } from '../files/format-bytes.js';
import { downloadUrl } from '../files/download-url.js';

/** A file attached to a message, as the session's files list knows it now (it may since have been removed). */
export function AttachmentChip({ fileId }: { fileId: string }) {
  const file = useSessionFiles().files.find((candidate) => candidate.fileId === fileId);
  if (!file) return <span className="attachment attachment-gone">File removed</span>;
  if (file.status === 'stored') {
    return (
      <a className="attachment" href={downloadUrl(file.fileId)} download={file.name}>
        <span className="attachment-name">{file.name}</span>
        <span className="attachment-meta">{formatBytes(file.size)}</span>
      </a>
    );
  }
  return (
    <span className={`attachment attachment-${file.status}`}>
      <span className="attachment-name">{file.name}</span>
      <span className="attachment-meta">{file.status === 'failed' ? 'refused' : 'checking…'}</span>
    </span>
  );
}
