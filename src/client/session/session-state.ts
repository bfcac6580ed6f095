import type { SessionView } from '../../shared/session.js';
import type { SessionEndReason } from '../api/failure.js';

export type SessionState =
  /**
   * `resuming`: the stored session being asked about, whose unsent messages can be shown meanwhile;
   * `unreachable`: the server has not answered yet (down, or no network), and the tab keeps trying.
   */
  | { status: 'loading'; resuming?: string; unreachable?: true }
  | { status: 'active'; session: SessionView }
  | { status: 'resetting'; session: SessionView }
  | { status: 'ended'; reason: SessionEndReason; replacedBy?: string }
  | { status: 'error'; message: string };

export type SessionAction =
  /** Looking for a session (start-up, or starting a new one after an end or error); `resuming` the stored one. */
  | { type: 'establishing'; resuming?: string }
  /** A request for the session found no server; it is tried again. */
  | { type: 'unreachable' }
  /** This tab is in `session` now: found, generated, replaced, or followed from another tab. */
  | { type: 'entered'; session: SessionView }
  /** The server told something new about the current session (a newer version). */
  | { type: 'updated'; session: SessionView }
  | { type: 'reset_started' }
  | { type: 'reset_failed' }
  | { type: 'ended'; sessionId: string; reason: SessionEndReason; replacedBy?: string }
  | { type: 'failed'; message: string };

export const initialSessionState: SessionState = { status: 'loading' };

function currentSession(state: SessionState): SessionView | undefined {
  return state.status === 'active' || state.status === 'resetting' ? state.session : undefined;
}

/**
 * The single source of a tab's session state. Actions about a session this tab is no longer in
 * (late news of an old one) leave the state as it is.
 */
export function sessionReducer(state: SessionState, action: SessionAction): SessionState {
  switch (action.type) {
    case 'establishing':
      return action.resuming === undefined ? { status: 'loading' } : { status: 'loading', resuming: action.resuming };
    case 'unreachable':
      return state.status === 'loading' && !state.unreachable ? { ...state, unreachable: true } : state;
    case 'entered':
      return { status: 'active', session: action.session };
    case 'updated':
      if (state.status !== 'active' && state.status !== 'resetting') return state;
      if (state.session.sessionId !== action.session.sessionId || action.session.version < state.session.version) return state;
      return { status: state.status, session: action.session };
    case 'reset_started':
      return state.status === 'active' ? { status: 'resetting', session: state.session } : state;
    case 'reset_failed':
      return state.status === 'resetting' ? { status: 'active', session: state.session } : state;
    case 'ended':
      if (currentSession(state)?.sessionId !== action.sessionId) return state;
      return action.replacedBy === undefined
        ? { status: 'ended', reason: action.reason }
        : { status: 'ended', reason: action.reason, replacedBy: action.replacedBy };
    case 'failed':
      return { status: 'error', message: action.message };
  }
}
