import { useUploads, type Upload } from './UploadsProvider.js';
import { formatBytes } from './format-bytes.js';
import { CloseIcon, FileIcon } from '../icons.js';

/** One of this tab's uploads: its progress while the bytes travel, or why the server did not take it. */
export function UploadRow({ upload }: { upload: Upload }) {
  const { cancel, dismiss } = useUploads();
  const percent = upload.size > 0 ? Math.round((upload.loaded / upload.size) * 100) : 100;
  const sent = upload.fileId !== null;

  return (
    <li className={`file-row${upload.error ? ' file-row-failed' : ''}`}>
      <FileIcon />
      <div className="file-main">
        <span className="file-name" title={upload.name}>{upload.name}</span>
        {upload.error ? (
          <span className="file-status file-status-failed" role="alert">{upload.error}</span>
        ) : (
          <>
            <progress className="file-progress" max={100} value={percent} aria-label={`Uploading ${upload.name}`} />
            <span className="file-status">
              {sent ? 'Checking…' : `Uploading · ${percent}% of ${formatBytes(upload.size)}`}
            </span>
          </>
        )}
      </div>
      <div className="file-actions">
        {upload.error ? (
          <button type="button" className="icon-button" onClick={() => { dismiss(upload.id); }} aria-label={`Dismiss ${upload.name}`} title="Dismiss">
            <CloseIcon />
          </button>
        ) : (
          !sent && (
            <button type="button" className="icon-button" onClick={() => { cancel(upload.id); }} aria-label={`Cancel the upload of ${upload.name}`} title="Cancel">
              <CloseIcon />
            </button>
          )
        )}
      </div>
    </li>
  );
}
