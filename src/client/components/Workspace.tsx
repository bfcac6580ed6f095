import { ChatContainer } from './chat/ChatContainer.js';
import { FilesPanel } from './files/FilesPanel.js';
import { FilesProvider } from './files/FilesProvider.js';
import { DevControls } from './dev/DevControls.js';
import { DEV_CONTROLS_ENABLED } from './dev/dev-controls-enabled.js';

/** An active session's screen: the conversation beside its files (stacked on phones). */
export function Workspace() {
  return (
    <FilesProvider>
      <div className="workspace">
        <ChatContainer />
        <aside className="sidebar" aria-label="Files and tools">
          <FilesPanel />
          {DEV_CONTROLS_ENABLED && <DevControls />}
        </aside>
      </div>
    </FilesProvider>
  );
}
