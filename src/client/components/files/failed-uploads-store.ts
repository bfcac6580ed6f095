import type { SharedUpload } from '../../realtime/files-messages.js';

const KEY = 'tabsync.failedUploads';

/** What the row of such an upload says after a reload. */
export const FILE_LOST = 'Not sent: reloading the page let go of the file. Choose the file again to send it.';

interface Stored {
  sessionId: string;
  uploads: Pick<SharedUpload, 'id' | 'name' | 'size' | 'error' | 'retry'>[];
}

function storage(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined;
  }
}

/**
 * This tab's failed uploads, kept across a reload of the tab (sessionStorage: this tab only). The
 * files themselves cannot be kept: after a reload such an upload can only be retried by choosing
 * its file again. Storage that cannot be used keeps nothing.
 */
export const failedUploadsStore = {
  read(sessionId: string): SharedUpload[] {
    try {
      const stored = JSON.parse(storage()?.getItem(KEY) ?? 'null') as Stored | null;
      if (stored?.sessionId !== sessionId || !Array.isArray(stored.uploads)) return [];
      // An upload that could have been sent again needs its file, which the reload let go of.
      return stored.uploads.map((upload) =>
        upload.retry === null ? { ...upload, loaded: 0, fileId: null } : { ...upload, loaded: 0, fileId: null, error: FILE_LOST, retry: 'choose-again' as const },
      );
    } catch {
      return [];
    }
  },
  write(sessionId: string, uploads: readonly SharedUpload[]): void {
    try {
      const failed = uploads.filter((upload) => upload.error !== null).map(({ id, name, size, error, retry }) => ({ id, name, size, error, retry }));
      if (failed.length === 0) storage()?.removeItem(KEY);
      else storage()?.setItem(KEY, JSON.stringify({ sessionId, uploads: failed } satisfies Stored));
    } catch {
      // Kept in memory only: the rows go with a reload.
    }
  },
};
