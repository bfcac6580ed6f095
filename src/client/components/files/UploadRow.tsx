import { useUploads, type Upload } from './UploadsProvider.js';
import { FilePicker } from './FilePicker.js';
import { formatBytes } from './format-bytes.js';
import { percentOf } from './uploads-state.js';
import { CloseIcon, FileIcon, RetryIcon } from '../icons.js';

/**
 * An upload on its way, from this tab or another: its progress while the bytes travel, or why the
 * server did not take it and how to send it again. Another tab's buttons ask that tab.
 */
export function UploadRow({ upload }: { upload: Upload }) {
  const { cancel, dismiss, retry, chooseAgain } = useUploads();
  const percent = percentOf(upload);
  const sent = upload.fileId !== null;
  const canRetry = upload.error !== null && (upload.retry === 'now' || upload.retry === 'when-online');

  return (
    <li className={`file-row upload-row${upload.error ? ' file-row-failed' : ''}`} data-upload={upload.own ? 'this-tab' : 'other-tab'}>
      <FileIcon />
      <div className="file-main">
        <span className="file-name" title={upload.name}>{upload.name}</span>
        {upload.error ? (
          <span className="file-status file-status-failed" role={upload.own ? 'alert' : undefined}>{upload.error}</span>
        ) : (
          <>
            <progress className="file-progress" max={100} value={percent} aria-label={`Uploading ${upload.name}`} />
            <span className="file-status">
              {sent ? 'Checking…' : `Uploading${upload.own ? '' : ' in another tab'} · ${percent}% of ${formatBytes(upload.size)}`}
            </span>
          </>
        )}
      </div>
      <div className="file-actions">
        {canRetry && (
          <button type="button" className="icon-button" onClick={() => { retry(upload.id); }} aria-label={`Retry ${upload.name}`} title="Retry">
            <RetryIcon />
          </button>
        )}
        {upload.error !== null && upload.retry === 'choose-again' && upload.own && (
          <FilePicker single label="Choose again" className="button button-small" onFiles={([file]) => { if (file) chooseAgain(upload.id, file); }} />
        )}
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
