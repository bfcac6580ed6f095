import { createContext, use, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { toast } from 'react-hot-toast';
import { classifyFailure } from '../../api/failure.js';
import { KEEPALIVE_CONTEXT } from '../../api/http-link.js';
import { trpc } from '../../api/trpc-react.js';
import { withoutFile } from '../../session/cache-updates.js';
import { useFilesChannel, useSessionUUID } from '../../session/index.js';
import { PendingRemovals, type PendingRemoval } from './pending-removals.js';
import { useSessionFiles } from './useSessionFiles.js';

interface RemovalsApi {
  /** Files whose rows are hidden while their removal waits out its Undo window (in any tab). */
  hidden: ReadonlySet<string>;
  remove: (fileId: string, name: string) => void;
}

const RemovalsContext = createContext<RemovalsApi | null>(null);

const toastId = (fileId: string) => `removal:${fileId}`;

function UndoToast({ name, onUndo }: { name: string; onUndo: () => void }) {
  return (
    <span className="undo-toast">
      <span>
        Removed <strong className="undo-toast-name">{name}</strong>
      </span>
      <button type="button" className="button button-small" onClick={onUndo}>
        Undo
      </button>
    </span>
  );
}

/**
 * Removing a file: it leaves every tab's list at once, with "Removed x · Undo" in every tab for
 * UNDO_WINDOW_MS; the removal is sent when that ends (see PendingRemovals).
 */
export function RemovalsProvider({ children }: { children: ReactNode }) {
  const sessionId = useSessionUUID();
  const channel = useFilesChannel();
  const utils = trpc.useUtils();
  const { files, isLoading } = useSessionFiles();
  const current = useRef({ channel, utils });
  useEffect(() => { current.current = { channel, utils }; }, [channel, utils]);

  const [removals] = useState(() => {
    const showUndo = (removal: PendingRemoval) => {
      toast(<UndoToast name={removal.name} onUndo={() => { removals.undo(removal.fileId); }} />, {
        id: toastId(removal.fileId),
        duration: Math.max(0, removal.until - Date.now()),
      });
    };
    const removeNow = async (fileId: string, name: string, leaving: boolean): Promise<boolean> => {
      const { utils } = current.current;
      try {
        await utils.client.files.remove.mutate({ sessionId, fileId }, leaving ? { context: KEEPALIVE_CONTEXT } : undefined);
      } catch (error) {
        const failure = classifyFailure(error);
        // Gone already (removed in another window): what was asked for is done.
        if (!(failure.kind === 'refused' && failure.status === 404)) {
          // A page going away has nobody left to tell.
          if (!leaving) toast.error(`${name} was not removed: ${failure.message}`);
          return false;
        }
      }
      utils.files.list.setData({ sessionId }, (list) => withoutFile(list, fileId));
      return true;
    };
    const removals: PendingRemovals = new PendingRemovals({
      share: (message) => { current.current.channel?.shareFiles(message); },
      removeNow,
      showUndo,
      hideUndo: (fileId) => { toast.dismiss(toastId(fileId)); },
    });
    return removals;
  });
  const hidden = useSyncExternalStore(removals.subscribe, removals.getHidden);

  useEffect(() => channel?.onFilesMessage((message) => { removals.receive(message); }), [channel, removals]);

  useEffect(() => {
    if (!isLoading) removals.keepOnly(new Set(files.map((file) => file.fileId)));
  }, [files, isLoading, removals]);

  useEffect(() => {
    const leave = () => { removals.leave(); };
    window.addEventListener('pagehide', leave);
    return () => {
      window.removeEventListener('pagehide', leave);
      leave();
    };
  }, [removals]);

  const api = useMemo<RemovalsApi>(() => ({ hidden, remove: (fileId, name) => { removals.remove(fileId, name); } }), [hidden, removals]);
  return <RemovalsContext value={api}>{children}</RemovalsContext>;
}

export function useRemovals(): RemovalsApi {
  const api = use(RemovalsContext);
  if (!api) throw new Error('useRemovals() must be used inside <RemovalsProvider>.');
  return api;
}
