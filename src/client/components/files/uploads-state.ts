import type { SharedUpload, UploadRetry } from '../../realtime/files-messages.js';

/** An upload as this tab shows it: its own (it holds the file and the request) or another tab's. */
export interface Upload extends SharedUpload {
  /** False for another tab's upload: its buttons ask that tab. */
  own: boolean;
}

export type UploadAction =
  /** Begins an upload, or begins one again in its place (a retry). */
  | { type: 'started'; upload: SharedUpload }
  | { type: 'progressed'; id: string; loaded: number }
  | { type: 'sent'; id: string; fileId: string }
  | { type: 'failed'; id: string; error: string; retry: UploadRetry }
  | { type: 'removed'; ids: ReadonlySet<string> };

/** This tab's own uploads, newest first. */
export function uploadsReducer(uploads: SharedUpload[], action: UploadAction): SharedUpload[] {
  switch (action.type) {
    case 'started':
      return uploads.some((upload) => upload.id === action.upload.id)
        ? uploads.map((upload) => (upload.id === action.upload.id ? action.upload : upload))
        : [action.upload, ...uploads];
    case 'progressed':
      return uploads.map((upload) => (upload.id === action.id ? { ...upload, loaded: action.loaded } : upload));
    case 'sent':
      return uploads.map((upload) => (upload.id === action.id ? { ...upload, loaded: upload.size, fileId: action.fileId } : upload));
    case 'failed':
      return uploads.map((upload) => (upload.id === action.id ? { ...upload, error: action.error, retry: action.retry } : upload));
    case 'removed':
      return uploads.filter((upload) => !action.ids.has(upload.id));
  }
}

export function newUpload(id: string, file: { name: string; size: number }): SharedUpload {
  return { id, name: file.name, size: file.size, loaded: 0, fileId: null, error: null, retry: null };
}

/** How far an upload has come, in whole percent. */
export function percentOf(upload: Pick<SharedUpload, 'loaded' | 'size'>): number {
  return upload.size > 0 ? Math.round((upload.loaded / upload.size) * 100) : 100;
}

/** Whether the other tabs need to hear of this change: anything but progress within the same percent. */
export function worthTelling(before: SharedUpload | undefined, after: SharedUpload): boolean {
  if (!before) return true;
  return before.fileId !== after.fileId || before.error !== after.error || before.retry !== after.retry || before.name !== after.name || percentOf(before) !== percentOf(after);
}
