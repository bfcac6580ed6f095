import { describeEndReason, type SessionEndReason } from '../../session/index.js';
import { useStartNewSession } from './useStartNewSession.js';

interface Props {
  reason: SessionEndReason;
  /** The session was replaced (a reset) and the session layer is moving this tab to its successor. */
  movingToReplacement: boolean;
}

/** A session that ended: why, in words, and the way on (offered even while the tab moves on by itself). */
export function SessionEndedScreen({ reason, movingToReplacement }: Props) {
  const { startNew, isStarting } = useStartNewSession();
  return (
    <div className="screen-center">
      <section className="notice-card" aria-labelledby="ended-title" aria-busy={movingToReplacement}>
        <h2 id="ended-title">{movingToReplacement ? 'Moving to the new session…' : 'This session has ended'}</h2>
        <p>{describeEndReason(reason)} Its messages and files are no longer available here.</p>
        <div className="notice-actions">
          <button type="button" className="button button-primary" disabled={isStarting} onClick={() => { void startNew(); }}>
            {isStarting ? 'Starting…' : 'Start a new session'}
          </button>
        </div>
      </section>
    </div>
  );
}
