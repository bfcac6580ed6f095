import type { FileView } from '../../../shared/files.js';
import { DownloadIcon, TrashIcon } from '../icons.js';
import { downloadUrl } from './download-url.js';
import { FileThumbnail } from './FileThumbnail.js';
import { formatBytes } from './format-bytes.js';
import { useRemovals } from './RemovalsProvider.js';

const STATUS_LABELS = { uploading: 'Checking…', stored: 'Ready', failed: 'Refused', deleted: 'Removed' } as const;

/** A file of the session, as every tab sees it: its state, why it was renamed, and download and remove. */
export function FileRow({ file }: { file: FileView }) {
  const { remove } = useRemovals();

  return (
    <li className={`file-row file-row-${file.status}`} data-status={file.status}>
      <FileThumbnail file={file} />
      <div className="file-main">
        <span className="file-name" title={file.name}>{file.name}</span>
        <span className={`file-status file-status-${file.status}`}>
          <span className="status-pill">{STATUS_LABELS[file.status]}</span> {formatBytes(file.size)}
        </span>
        {file.renamed && (
          <span className="file-renamed">
            Renamed from <span className="file-renamed-from">{file.renamed.from}</span>: {file.renamed.because}
          </span>
        )}
        {file.status === 'uploading' && <progress className="file-progress" aria-label={`Checking ${file.name}`} />}
      </div>
      <div className="file-actions">
        {file.status === 'stored' && (
          <a className="icon-button" href={downloadUrl(file.fileId)} download={file.name} aria-label={`Download ${file.name}`} title="Download">
            <DownloadIcon />
          </a>
        )}
        <button type="button" className="icon-button icon-button-danger" aria-label={`Remove ${file.name}`} title="Remove" onClick={() => { remove(file.fileId, file.name); }}>
          <TrashIcon />
        </button>
      </div>
    </li>
  );
}
