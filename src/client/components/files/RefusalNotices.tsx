import type { FileFailureCode, FileView } from '../../../shared/files.js';
import { CloseIcon } from '../icons.js';
import { useDismissedRefusals } from './useDismissedRefusals.js';
import { useSessionFiles } from './useSessionFiles.js';

/** Failures that are the file's own doing: the same file would be refused again. */
const REFUSALS: ReadonlySet<FileFailureCode> = new Set(['executable', 'too_large']);

function verdict(file: FileView): string {
  return file.failure && REFUSALS.has(file.failure.code) ? 'was refused' : 'was not kept';
}

/**
 * The session's files that were not kept, each with its reason, as notices rather than rows: they
 * stay until dismissed, and a dismissal in one tab is one in every tab.
 */
export function RefusalNotices() {
  const { files } = useSessionFiles();
  const { dismissed, dismiss } = useDismissedRefusals();
  const refused = files.filter((file) => file.status === 'failed' && !dismissed.has(file.fileId));

  return (
    // Rendered empty too: a live region announces what is added to it, not what arrives with it.
    <div className="refusal-notices" aria-live="polite">
      {refused.length > 0 && (
        <ul className="refusal-list" aria-label="Files not kept" data-testid="file-refusals">
          {refused.map((file) => (
            <li key={file.fileId} className="refusal-notice">
              <p>
                <strong className="refusal-name">{file.name}</strong> {verdict(file)}. <span className="refusal-reason">{file.failure?.reason}</span>
              </p>
              <button type="button" className="icon-button" aria-label={`Dismiss the notice about ${file.name}`} title="Dismiss" onClick={() => { dismiss([file.fileId]); }}>
                <CloseIcon />
              </button>
            </li>
          ))}
        </ul>
      )}
      {refused.length > 1 && (
        <button type="button" className="button button-quiet button-small refusal-dismiss-all" onClick={() => { dismiss(refused.map((file) => file.fileId)); }}>
          Dismiss all {refused.length}
        </button>
      )}
    </div>
  );
}
