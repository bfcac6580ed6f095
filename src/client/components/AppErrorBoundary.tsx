import { Component, type ReactNode } from 'react';
import { ErrorFallback } from './ErrorFallback.js';

interface Props {
  children: ReactNode;
}

interface State {
  error: Error | null;
}

/**
 * Catches what a screen throws while rendering, so that one bug leaves the person a way out
 * instead of a blank page. React logs the error itself; the boundary only decides what to show.
 */
export class AppErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  private readonly recover = (): void => {
    this.setState({ error: null });
  };

  override render() {
    if (this.state.error) return <ErrorFallback error={this.state.error} onRecovered={this.recover} />;
    return this.props.children;
  }
}
