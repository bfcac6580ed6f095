import { Component, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

/**
 * The admin page's own boundary: the app's fallback offers a new session, which means nothing
 * here. A reload is the way out (the token stays in this tab).
 */
export class AdminErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <main className="admin-signin">
        <div className="admin-card admin-signin-card" role="alert">
          <h1>The admin page stopped</h1>
          <p className="admin-muted">Something on this page failed: {this.state.error.message}</p>
          <button type="button" className="admin-button" onClick={() => { location.reload(); }}>Reload the page</button>
        </div>
      </main>
    );
  }
}
