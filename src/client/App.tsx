import { TopBar } from './components/session/TopBar.js';
import { SessionScreen } from './components/session/SessionScreen.js';
import { useDocumentTitle } from './components/session/useDocumentTitle.js';

/** The page: a bar naming the session and its connection, and the screen the session's state calls for. */
export function App() {
  useDocumentTitle();
  return (
    <div className="app">
      <a className="skip-link" href="#main">Skip to the conversation</a>
      <TopBar />
      <main id="main" className="app-main" tabIndex={-1}>
        <SessionScreen />
      </main>
    </div>
  );
}
