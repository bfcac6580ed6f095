import type { FileView } from '../../../shared/files.js';
import { DownloadIcon, FileIcon, TrashIcon } from '../icons.js';
import { formatBytes } from './format-bytes.js';
import { downloadUrl } from './download-url.js';
import { useRemoveFile } from './useRemoveFile.js';

const STATUS_LABELS = { uploading: 'Checking…', stored: 'Ready', failed: 'Refused', deleted: 'Removed' } as const;
const REFUSED_WITHOUT_REASON = 'The file was refused when it was checked.';

/** A file of the session, as every tab sees it: its state, and download and remove once it is stored. */
export function FileRow({ file, failureReason }: { file: FileView; failureReason: string | undefined }) {
  const { remove, isRemoving } = useRemoveFile();

  return (
    <li className={`file-row file-row-${file.status}`} data-status={file.status}>
      <FileIcon />
      <div className="file-main">
        <span className="file-name" title={file.name}>{file.name}</span>
        <span className={`file-status file-status-${file.status}`}>
          <span className="status-pill">{STATUS_LABELS[file.status]}</span>
          {file.status === 'failed' ? ` ${failureReason ?? REFUSED_WITHOUT_REASON}` : ` ${formatBytes(file.size)}`}
        </span>
        {file.status === 'uploading' && <progress className="file-progress" aria-label={`Checking ${file.name}`} />}
      </div>
      <div className="file-actions">
        {file.status === 'stored' && (
          <a className="icon-button" href={downloadUrl(file.fileId)} download={file.name} aria-label={`Download ${file.name}`} title="Download">
            <DownloadIcon />
          </a>
        )}
        <button
          type="button"
          className="icon-button icon-button-danger"
          disabled={isRemoving}
          aria-label={`Remove ${file.name}`}
          title="Remove"
          onClick={() => { remove(file.fileId); }}
        >
          <TrashIcon />
        </button>
      </div>
    </li>
  );
}
