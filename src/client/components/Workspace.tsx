import { useState, type ReactNode } from 'react';
import { ChatContainer } from './chat/ChatContainer.js';
import { FilesPanel } from './files/FilesPanel.js';
import { FilesProvider } from './files/FilesProvider.js';
import { useKeptFileCount } from './files/useKeptFileCount.js';
import { DevControls } from './dev/DevControls.js';
import { DEV_CONTROLS_ENABLED } from './dev/dev-controls-enabled.js';
import { useToastShown } from './useToastShown.js';

type View = 'chat' | 'files';

/**
 * An active session's screen: the conversation beside its files. Where they do not fit side by
 * side (phones, narrow windows) a switch above shows one or the other, each filling the window;
 * both stay mounted, so a draft or an upload carries on while the other is shown.
 */
export function Workspace() {
  const [view, setView] = useState<View>('chat');
  return (
    <FilesProvider>
      <div className="workspace" data-view={view}>
        <ViewSwitch view={view} onChange={setView} />
        <ChatContainer />
        <Sidebar>
          <FilesPanel />
          {DEV_CONTROLS_ENABLED && <DevControls />}
        </Sidebar>
      </div>
    </FilesProvider>
  );
}

/** Conversation | Files, where the two do not fit side by side; Files counts what the panel counts. */
function ViewSwitch({ view, onChange }: { view: View; onChange: (view: View) => void }) {
  const kept = useKeptFileCount();
  return (
    <div className="view-switch" role="group" aria-label="Show">
      <button type="button" aria-pressed={view === 'chat'} onClick={() => { onChange('chat'); }}>
        Conversation
      </button>
      <button type="button" aria-pressed={view === 'files'} onClick={() => { onChange('files'); }}>
        Files
        {kept > 0 && <span className="count-badge">{kept}</span>}
      </button>
    </div>
  );
}

/** The files column; it alone re-renders when a toast comes and goes, not what it holds. */
function Sidebar({ children }: { children: ReactNode }) {
  const toastShown = useToastShown();
  return (
    <aside className={toastShown ? 'sidebar sidebar-under-toast' : 'sidebar'} aria-label="Files and tools">
      {children}
    </aside>
  );
}
