import { useStartNewSession } from './session/useStartNewSession.js';

interface Props {
  error: Error;
  /** Called once a new session has started, so that the app renders again. */
  onRecovered: () => void;
}

/** What the error boundary shows: what happened in words, and the two ways forward. */
export function ErrorFallback({ error, onRecovered }: Props) {
  const { startNew, isStarting } = useStartNewSession();
  return (
    <div className="screen-center">
      <section className="notice-card" role="alert" aria-labelledby="fallback-title">
        <h1 id="fallback-title">Something went wrong</h1>
        <p>This page hit an unexpected error. Your session, its messages and files are kept on the server.</p>
        <p className="notice-detail">{error.message}</p>
        <div className="notice-actions">
          <button type="button" className="button button-primary" onClick={() => { window.location.reload(); }}>
            Reload the page
          </button>
          <button type="button" className="button" disabled={isStarting} onClick={() => { void startNew().then(onRecovered); }}>
            {isStarting ? 'Starting…' : 'Start a new session'}
          </button>
        </div>
      </section>
    </div>
  );
}
