import { createContext, use, useCallback, useEffect, useMemo, useReducer, useRef, type ReactNode } from 'react';
import { toast } from 'react-hot-toast';
import { uploadFile, UploadError } from '../../api/upload.js';
import type { UploadCommand } from '../../realtime/files-messages.js';
import { useConnection, useFilesChannel, useSessionUUID } from '../../session/index.js';
import { failedUploadsStore } from './failed-uploads-store.js';
import { newUpload, uploadsReducer, type Upload } from './uploads-state.js';
import { useSessionFiles } from './useSessionFiles.js';
import { useSharedUploads } from './useSharedUploads.js';

export type { Upload } from './uploads-state.js';

/** What a row says of an upload whose connection dropped: it goes again by itself. */
export const WAITING_FOR_CONNECTION = 'The upload stopped: the server could not be reached. It is sent again once the connection is back.';

interface UploadsApi {
  /** This tab's uploads and the other tabs', newest first; each leaves once the session's files list shows it. */
  uploads: Upload[];
  /** Uploads files side by side; resolves with the ids of those the server took at the first try. */
  uploadFiles: (files: readonly File[]) => Promise<string[]>;
  cancel: (id: string) => void;
  dismiss: (id: string) => void;
  /** Sends a failed upload again (another tab's: asks that tab, which holds the file). */
  retry: (id: string) => void;
  /** Sends a failed upload again with its file chosen anew (after a reload, which loses the file). */
  chooseAgain: (id: string, file: File) => void;
}

const UploadsContext = createContext<UploadsApi | null>(null);

/**
 * The session's uploads as this tab sees them: its own, which it sends, keeps the files of until
 * they are stored, retries (by itself once a lost connection is back) and keeps across a reload
 * when they failed; and the other tabs', whose progress they tell. Shared by the files panel (which
 * shows them) and the composer (which attaches them).
 */
export function UploadsProvider({ children }: { children: ReactNode }) {
  const sessionId = useSessionUUID();
  const channel = useFilesChannel();
  const { status } = useConnection();
  const { files } = useSessionFiles();
  const [own, dispatch] = useReducer(uploadsReducer, sessionId, (id: string) => failedUploadsStore.read(id));
  const controllers = useRef(new Map<string, AbortController>());
  /** The file of each upload of this tab, kept until it is stored or let go: a retry sends it again. */
  const chosen = useRef(new Map<string, File>());
  const ownNow = useRef(own);
  useEffect(() => { ownNow.current = own; }, [own]);

  const send = useCallback(
    async (id: string, file: File): Promise<string | null> => {
      if (controllers.current.has(id)) return null;
      const controller = new AbortController();
      controllers.current.set(id, controller);
      chosen.current.set(id, file);
      dispatch({ type: 'started', upload: newUpload(id, file) });
      try {
        const { fileId } = await uploadFile(sessionId, file, (loaded) => { dispatch({ type: 'progressed', id, loaded }); }, controller.signal);
        dispatch({ type: 'sent', id, fileId });
        return fileId;
      } catch (error) {
        if (controller.signal.aborted) return null;
        const retry = error instanceof UploadError ? error.retry : null;
        const reason = retry === 'when-online' ? WAITING_FOR_CONNECTION : error instanceof Error ? error.message : 'The upload failed.';
        dispatch({ type: 'failed', id, error: reason, retry });
        toast.error(`${file.name} was not uploaded: ${reason}`, { id: `upload:${id}` });
        return null;
      } finally {
        controllers.current.delete(id);
      }
    },
    [sessionId],
  );

  const letGo = useCallback((ids: ReadonlySet<string>) => {
    for (const id of ids) {
      controllers.current.get(id)?.abort();
      chosen.current.delete(id);
    }
    dispatch({ type: 'removed', ids });
  }, []);

  const retryOwn = useCallback(
    (id: string) => {
      const file = chosen.current.get(id);
      if (file && ownNow.current.some((upload) => upload.id === id && upload.error !== null)) void send(id, file);
    },
    [send],
  );

  const onCommand = useCallback(
    (id: string, command: UploadCommand) => {
      if (command === 'retry') retryOwn(id);
      else letGo(new Set([id]));
    },
    [retryOwn, letGo],
  );
  const others = useSharedUploads(own, onCommand);

  useEffect(() => { failedUploadsStore.write(sessionId, own); }, [sessionId, own]);

  // Stored or checked: the session's files list shows it now, in every tab.
  const listed = useMemo(() => new Set(files.map((file) => file.fileId)), [files]);
  useEffect(() => {
    const arrived = own.filter((upload) => upload.fileId !== null && listed.has(upload.fileId));
    if (arrived.length > 0) letGo(new Set(arrived.map((upload) => upload.id)));
  }, [listed, own, letGo]);

  // A failed upload this tab kept without its file (a duplicated tab copies the storage it is kept in)
  // is the other tab's, which may still hold the file: that tab's row stands.
  useEffect(() => {
    const elsewhere = new Set(others.map((upload) => upload.id));
    const copies = own.filter((upload) => elsewhere.has(upload.id) && !chosen.current.has(upload.id));
    if (copies.length > 0) letGo(new Set(copies.map((upload) => upload.id)));
  }, [others, own, letGo]);

  // Uploads the connection cut short go again once it is back: the browser is online, or the live connection returned.
  const retryWaiting = useCallback(() => {
    for (const upload of ownNow.current) if (upload.retry === 'when-online' && upload.error !== null) retryOwn(upload.id);
  }, [retryOwn]);
  const lastStatus = useRef(status);
  useEffect(() => {
    const before = lastStatus.current;
    lastStatus.current = status;
    if (status === 'connected' && before !== 'connected') retryWaiting();
  }, [status, retryWaiting]);
  useEffect(() => {
    window.addEventListener('online', retryWaiting);
    return () => { window.removeEventListener('online', retryWaiting); };
  }, [retryWaiting]);

  useEffect(() => {
    const pending = controllers.current;
    return () => { for (const controller of pending.values()) controller.abort(); };
  }, []);

  const api = useMemo<UploadsApi>(() => {
    const isOwn = (id: string) => own.some((upload) => upload.id === id);
    const command = (id: string, what: UploadCommand) => {
      if (isOwn(id)) onCommand(id, what);
      else channel?.shareFiles({ kind: 'upload-command', uploadId: id, command: what });
    };
    const shown = (upload: { fileId: string | null }) => upload.fileId === null || !listed.has(upload.fileId);
    const othersShown = others.filter((upload) => shown(upload) && !isOwn(upload.id));
    return {
      uploads: [...own.filter(shown).map((upload) => ({ ...upload, own: true })), ...othersShown.map((upload) => ({ ...upload, own: false }))],
      uploadFiles: async (selected) => (await Promise.all(selected.map((file) => send(crypto.randomUUID(), file)))).filter((fileId) => fileId !== null),
      cancel: (id) => { command(id, 'cancel'); },
      dismiss: (id) => { command(id, 'dismiss'); },
      retry: (id) => { command(id, 'retry'); },
      chooseAgain: (id, file) => { if (isOwn(id)) void send(id, file); },
    };
  }, [own, others, listed, channel, onCommand, send]);

  return <UploadsContext value={api}>{children}</UploadsContext>;
}

export function useUploads(): UploadsApi {
  const api = use(UploadsContext);
  if (!api) throw new Error('useUploads() must be used inside <UploadsProvider>.');
  return api;
}
