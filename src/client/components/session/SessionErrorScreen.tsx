import { useStartNewSession } from './useStartNewSession.js';

/** No session could be opened (the server refused or could not be reached): what happened, and a retry. */
export function SessionErrorScreen({ message }: { message: string }) {
  const { startNew, isStarting } = useStartNewSession();
  return (
    <div className="screen-center">
      <section className="notice-card" role="alert" aria-labelledby="session-error-title">
        <h2 id="session-error-title">Your session could not be opened</h2>
        <p>{message}</p>
        <div className="notice-actions">
          <button type="button" className="button button-primary" disabled={isStarting} onClick={() => { void startNew(); }}>
            {isStarting ? 'Trying…' : 'Try again'}
          </button>
          <button type="button" className="button" onClick={() => { window.location.reload(); }}>
            Reload the page
          </button>
        </div>
      </section>
    </div>
  );
}
