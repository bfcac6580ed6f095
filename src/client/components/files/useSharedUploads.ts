import { useEffect, useRef, useState } from 'react';
import type { SharedUpload, UploadCommand } from '../../realtime/files-messages.js';
import { useFilesChannel } from '../../session/index.js';
import { worthTelling } from './uploads-state.js';

/**
 * Shares this tab's uploads with the session's other tabs and hears theirs: each change is told
 * (progress once per percent), a tab leaving takes its uploads with it, and a button pressed in
 * another tab reaches the tab that sends the upload as `onCommand`. Returns the other tabs' uploads.
 */
export function useSharedUploads(own: readonly SharedUpload[], onCommand: (uploadId: string, command: UploadCommand) => void): SharedUpload[] {
  const channel = useFilesChannel();
  const [others, setOthers] = useState<ReadonlyMap<string, SharedUpload>>(() => new Map());
  const told = useRef(new Map<string, SharedUpload>());
  const latest = useRef({ own, onCommand });
  useEffect(() => { latest.current = { own, onCommand }; });

  useEffect(() => {
    if (!channel) return;
    const ids = new Set(own.map((upload) => upload.id));
    for (const upload of own) {
      if (!worthTelling(told.current.get(upload.id), upload)) continue;
      channel.shareFiles({ kind: 'upload', upload });
      told.current.set(upload.id, upload);
    }
    for (const id of told.current.keys()) {
      if (ids.has(id)) continue;
      channel.shareFiles({ kind: 'upload-ended', uploadId: id });
      told.current.delete(id);
    }
  }, [channel, own]);

  useEffect(() => {
    if (!channel) return;
    return channel.onFilesMessage((message) => {
      switch (message.kind) {
        case 'upload':
          setOthers((current) => new Map(current).set(message.upload.id, message.upload));
          break;
        case 'upload-ended':
          setOthers((current) => {
            if (!current.has(message.uploadId)) return current;
            const next = new Map(current);
            next.delete(message.uploadId);
            return next;
          });
          break;
        case 'upload-command':
          if (latest.current.own.some((upload) => upload.id === message.uploadId)) latest.current.onCommand(message.uploadId, message.command);
          break;
        case 'state-wanted':
          for (const upload of latest.current.own) channel.shareFiles({ kind: 'upload', upload });
          break;
        default:
          break;
      }
    });
  }, [channel]);

  useEffect(() => {
    if (!channel) return;
    // A tab going away (closed, reloaded) takes its uploads with it: the others stop showing them.
    const leave = () => {
      for (const id of told.current.keys()) channel.shareFiles({ kind: 'upload-ended', uploadId: id });
      told.current.clear();
    };
    window.addEventListener('pagehide', leave);
    return () => {
      window.removeEventListener('pagehide', leave);
      leave();
    };
  }, [channel]);

  return [...others.values()];
}
