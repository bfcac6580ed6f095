import { useSessionState } from '../../session/index.js';
import { Workspace } from '../Workspace.js';
import { LoadingScreen } from './LoadingScreen.js';
import { SessionEndedScreen } from './SessionEndedScreen.js';
import { SessionErrorScreen } from './SessionErrorScreen.js';

/** Picks the screen for the session's state; the workspace exists only while there is a session. */
export function SessionScreen() {
  const state = useSessionState();
  switch (state.status) {
    case 'loading':
      return <LoadingScreen />;
    case 'active':
    case 'resetting':
      // A new session is a new workspace: drafts, uploads and scroll positions of the old one go with it.
      return <Workspace key={state.session.sessionId} />;
    case 'ended':
      return <SessionEndedScreen reason={state.reason} movingToReplacement={state.replacedBy !== undefined} />;
    case 'error':
      return <SessionErrorScreen message={state.message} />;
  }
}
