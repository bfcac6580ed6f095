import { useUploads } from './UploadsProvider.js';
import { useSessionFiles } from './useSessionFiles.js';
import { useFileDrop } from './useFileDrop.js';
import { FilePicker } from './FilePicker.js';
import { FileList } from './FileList.js';
import { UploadIcon } from '../icons.js';

/** The session's files: drop or pick to upload, then follow each file until it is stored. */
export function FilesPanel() {
  const { uploadFiles } = useUploads();
  const { files } = useSessionFiles();
  const upload = (selected: File[]) => { void uploadFiles(selected); };
  const { isDragging, dropHandlers } = useFileDrop(upload);

  return (
    <section className={`panel files-panel${isDragging ? ' is-dragging' : ''}`} aria-labelledby="files-title" {...dropHandlers}>
      <div className="panel-header">
        <h2 id="files-title">Files</h2>
        {files.length > 0 && <span className="count-badge">{files.length}</span>}
      </div>
      <div className="drop-zone">
        <UploadIcon />
        {/* A touch screen has nothing to drag from: there the button alone says what to do (files.css). */}
        <p className="drop-zone-hint">{isDragging ? 'Drop to upload' : 'Drag files here, or'}</p>
        <FilePicker onFiles={upload} label="Choose files" testId="file-input" className="button button-primary" />
      </div>
      <FileList />
    </section>
  );
}
