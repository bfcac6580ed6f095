import { useEffect, type ReactNode } from 'react';
import { useFilesChannel } from '../../session/index.js';
import { RemovalsProvider } from './RemovalsProvider.js';
import { UploadsProvider } from './UploadsProvider.js';

/** The files state a workspace shares with the session's other tabs: uploads under way and removals waiting for Undo. */
export function FilesProvider({ children }: { children: ReactNode }) {
  const channel = useFilesChannel();
  // Runs after the providers below began listening (a parent's effects run after its children's):
  // a tab just opened asks the others what they have under way, and hears their answers.
  useEffect(() => { channel?.shareFiles({ kind: 'state-wanted' }); }, [channel]);
  return (
    <UploadsProvider>
      <RemovalsProvider>{children}</RemovalsProvider>
    </UploadsProvider>
  );
}
