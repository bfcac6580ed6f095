import { createContext, use, useCallback, useEffect, useMemo, useReducer, useRef, type ReactNode } from 'react';
import { toast } from 'react-hot-toast';
import { useSessionUUID } from '../../session/index.js';
import { useSessionFiles } from './useSessionFiles.js';

/** A file on its way from this tab to the server. It leaves this list once the session's files list shows it. */
export interface Upload {
  id: string;
  name: string;
  size: number;
  loaded: number;
  /** Set when the server has the bytes; the file is then checked and stored by a worker. */
  fileId: string | null;
  error: string | null;
}

type UploadAction =
  | { type: 'started'; upload: Upload }
  | { type: 'progressed'; id: string; loaded: number }
  | { type: 'sent'; id: string; fileId: string }
  | { type: 'failed'; id: string; error: string }
  | { type: 'removed'; ids: ReadonlySet<string> };

function uploadsReducer(uploads: Upload[], action: UploadAction): Upload[] {
  switch (action.type) {
    case 'started':
      return [action.upload, ...uploads];
    case 'progressed':
      return uploads.map((upload) => (upload.id === action.id ? { ...upload, loaded: action.loaded } : upload));
    case 'sent':
      return uploads.map((upload) => (upload.id === action.id ? { ...upload, loaded: upload.size, fileId: action.fileId } : upload));
    case 'failed':
      return uploads.map((upload) => (upload.id === action.id ? { ...upload, error: action.error } : upload));
    case 'removed':
      return uploads.filter((upload) => !action.ids.has(upload.id));
  }
}

interface UploadsApi {
  uploads: Upload[];
  /** Uploads files side by side; resolves with the ids of those the server took. */
  uploadFiles: (files: readonly File[]) => Promise<string[]>;
  cancel: (id: string) => void;
  dismiss: (id: string) => void;
}

const UploadsContext = createContext<UploadsApi | null>(null);

/** This tab's uploads, shared by the files panel (which shows them) and the composer (which attaches them). */
export function UploadsProvider({ children }: { children: ReactNode }) {
  const sessionId = useSessionUUID();
  const { files } = useSessionFiles();
  const [uploads, dispatch] = useReducer(uploadsReducer, []);
  const controllers = useRef(new Map<string, AbortController>());

  useEffect(() => {
    const listed = new Set(files.map((file) => file.fileId));
    const arrived = uploads.filter((upload) => upload.fileId !== null && listed.has(upload.fileId));
    if (arrived.length > 0) dispatch({ type: 'removed', ids: new Set(arrived.map((upload) => upload.id)) });
  }, [files, uploads]);

  useEffect(() => {
    const pending = controllers.current;
    return () => { for (const controller of pending.values()) controller.abort(); };
  }, []);

  const uploadOne = useCallback(
    async (file: File): Promise<string | null> => {
      const id = crypto.randomUUID();
      const controller = new AbortController();
      controllers.current.set(id, controller);
      dispatch({ type: 'started', upload: { id, name: file.name, size: file.size, loaded: 0, fileId: null, error: null } });
      try {
        // Loaded on the first upload: it checks answers with the shared schemas, whose library the page's first script leaves out.
        const { uploadFile } = await import('../../api/upload.js');
        const { fileId } = await uploadFile(sessionId, file, (loaded) => { dispatch({ type: 'progressed', id, loaded }); }, controller.signal);
        dispatch({ type: 'sent', id, fileId });
        return fileId;
      } catch (error) {
        if (controller.signal.aborted) return null;
        const reason = error instanceof Error ? error.message : 'The upload failed.';
        dispatch({ type: 'failed', id, error: reason });
        toast.error(`${file.name} was not uploaded: ${reason}`);
        return null;
      } finally {
        controllers.current.delete(id);
      }
    },
    [sessionId],
  );

  const api = useMemo<UploadsApi>(
    () => ({
      uploads,
      uploadFiles: async (selected) => (await Promise.all(selected.map(uploadOne))).filter((fileId) => fileId !== null),
      cancel: (id) => {
        controllers.current.get(id)?.abort();
        dispatch({ type: 'removed', ids: new Set([id]) });
      },
      dismiss: (id) => { dispatch({ type: 'removed', ids: new Set([id]) }); },
    }),
    [uploads, uploadOne],
  );

  return <UploadsContext value={api}>{children}</UploadsContext>;
}

export function useUploads(): UploadsApi {
  const api = use(UploadsContext);
  if (!api) throw new Error('useUploads() must be used inside <UploadsProvider>.');
  return api;
}
