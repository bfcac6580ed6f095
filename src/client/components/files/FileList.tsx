import { describeFailure } from '../../api/failure.js';
import { useUploads } from './UploadsProvider.js';
import { useSessionFiles } from './useSessionFiles.js';
import { useFileFailureReasons } from './useFileFailureReasons.js';
import { UploadRow } from './UploadRow.js';
import { FileRow } from './FileRow.js';

/** This tab's uploads in flight above the session's files, which every tab sees alike. */
export function FileList() {
  const { uploads } = useUploads();
  const { files, isLoading, error, refetch } = useSessionFiles();
  const failureReasons = useFileFailureReasons();
  const isEmpty = !isLoading && uploads.length === 0 && files.length === 0;

  return (
    <>
      {error && (
        <div className="list-notice" role="alert">
          <p>The files could not be loaded: {describeFailure(error)}</p>
          <button type="button" className="button" onClick={() => { void refetch(); }}>Try again</button>
        </div>
      )}
      {isEmpty && !error && <p className="files-empty">No files yet. They stay with this session, in every tab.</p>}
      <ul className="file-list" data-testid="file-list" aria-label="Files of this session" aria-busy={isLoading}>
        {uploads.map((upload) => <UploadRow key={upload.id} upload={upload} />)}
        {files.map((file) => <FileRow key={file.fileId} file={file} failureReason={failureReasons.get(file.fileId)} />)}
      </ul>
    </>
  );
}
