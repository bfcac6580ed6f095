/**
 * What the files panels of one browser's tabs tell each other, inside one session: uploads under
 * way (their progress lives only in the tab that sends them), refusal notices dismissed, and
 * removals waiting out their Undo.
 */

/** How a failed upload may be sent again: now, by itself once the connection is back, or only once its file is chosen again (its tab was reloaded). */
export type UploadRetry = 'now' | 'when-online' | 'choose-again' | null;

/** One upload as every tab shows it. */
export interface SharedUpload {
  id: string;
  name: string;
  size: number;
  loaded: number;
  /** Set when the server has the bytes; the file is then checked and stored by a worker. */
  fileId: string | null;
  error: string | null;
  retry: UploadRetry;
}

export type UploadCommand = 'retry' | 'cancel' | 'dismiss';

export type FilesTabMessage =
  /** An upload of the sending tab changed (it started, moved on, failed). */
  | { kind: 'upload'; upload: SharedUpload }
  /** An upload of the sending tab left its list (stored, cancelled, dismissed, the tab closed). */
  | { kind: 'upload-ended'; uploadId: string }
  /** Asks the tab that sends an upload to act on it (a button pressed in another tab). */
  | { kind: 'upload-command'; uploadId: string; command: UploadCommand }
  /** A file leaves the list; it is removed for good at `until` (ms since the epoch) unless undone. */
  | { kind: 'removal'; fileId: string; name: string; until: number }
  /** The removal was undone, or failed: the file is back. */
  | { kind: 'removal-undone'; fileId: string }
  | { kind: 'refusals-dismissed'; fileIds: string[] }
  /** A tab just opened asks the others for their uploads and pending removals. */
  | { kind: 'state-wanted' };

/** The tabs' channel, as the files panel sees it: bound to the current session. */
export interface FilesChannel {
  shareFiles(message: FilesTabMessage): void;
  onFilesMessage(listener: (message: FilesTabMessage) => void): () => void;
}
