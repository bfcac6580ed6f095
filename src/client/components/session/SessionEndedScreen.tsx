import { describeEndReason, type SessionEndReason } from '../../session/index.js';
import { useStartNewSession } from './useStartNewSession.js';

/** A session that ended for good: why, in words, and the way on. */
export function SessionEndedScreen({ reason }: { reason: SessionEndReason }) {
  const { startNew, isStarting } = useStartNewSession();
  return (
    <div className="screen-center">
      <section className="notice-card" aria-labelledby="ended-title">
        <h1 id="ended-title">This session has ended</h1>
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
