import { createPortal } from 'react-dom';
import { useUploads } from './UploadsProvider.js';
import { useKeptFileCount } from './useKeptFileCount.js';
import { usePageFileDrop } from './usePageFileDrop.js';
import { FilePicker } from './FilePicker.js';
import { FileList } from './FileList.js';
import { RefusalNotices } from './RefusalNotices.js';
import { UploadIcon } from '../icons.js';

/**
 * The session's files: drop them anywhere on the page or pick them, then follow each until it is
 * stored. The drop zone shrinks to one line once there are files; the header stays in view while
 * the list scrolls (files.css).
 */
export function FilesPanel() {
  const { uploads, uploadFiles } = useUploads();
  const kept = useKeptFileCount();
  const upload = (selected: File[]) => { void uploadFiles(selected); };
  const { isDragging } = usePageFileDrop(upload);
  const compact = kept + uploads.length > 0;

  return (
    <section className={`panel files-panel${isDragging ? ' is-dragging' : ''}`} aria-labelledby="files-title">
      <div className="panel-header files-panel-header">
        <h2 id="files-title">Files</h2>
        {kept > 0 && <span className="count-badge" title={`${kept} file${kept === 1 ? '' : 's'}`}>{kept}</span>}
      </div>
      <div className={`drop-zone${compact ? ' drop-zone-compact' : ''}`}>
        <UploadIcon />
        {/* A touch screen has nothing to drag from: there the button alone says what to do (files.css). */}
        <p className="drop-zone-hint">{compact ? 'Drop files anywhere, or' : 'Drop files anywhere on the page, or'}</p>
        <FilePicker onFiles={upload} label="Choose files" testId="file-input" className={`button button-primary${compact ? ' button-small' : ''}`} />
      </div>
      <RefusalNotices />
      <FileList />
      {isDragging &&
        createPortal(
          <div className="page-drop-overlay" aria-hidden="true">
            <div className="page-drop-target">
              <UploadIcon />
              <p>Drop to upload</p>
            </div>
          </div>,
          document.body,
        )}
    </section>
  );
}
