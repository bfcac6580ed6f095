import { describeFailure } from '../../api/failure.js';
import { useUploads } from './UploadsProvider.js';
import { useRemovals } from './RemovalsProvider.js';
import { useSessionFiles } from './useSessionFiles.js';
import { UploadRow } from './UploadRow.js';
import { FileRow } from './FileRow.js';

/**
 * Uploads under way (this tab's and the others') above the session's kept files, which every tab
 * sees alike. Refused files are notices (RefusalNotices), and a file being removed is hidden while
 * its Undo lasts.
 */
export function FileList() {
  const { uploads } = useUploads();
  const { hidden } = useRemovals();
  const { files, isLoading, error, refetch } = useSessionFiles();
  const kept = files.filter((file) => file.status !== 'failed' && !hidden.has(file.fileId));
  const isEmpty = !isLoading && uploads.length === 0 && kept.length === 0;

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
        {kept.map((file) => <FileRow key={file.fileId} file={file} />)}
      </ul>
    </>
  );
}
