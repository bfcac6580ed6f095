import { cleanup, render, waitFor } from '@testing-library/react';
import { Component, type ReactNode } from 'react';
import { toast } from 'react-hot-toast';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders, memoryStore, useConnection, useEventLog, useSessionActions, useSessionState, useSessionUUID } from '../../src/client/session/index.js';
import { FakeApiServer } from '../support/fake-api-server.js';
import { FakeEventSource } from './support/fake-event-source.js';
import { BASE_URL, newChannelName, renderTab } from './support/render-app.js';

afterEach(() => {
  cleanup();
  toast.remove();
});

/** Shows the error a child threw, as an app's error boundary would catch it. */
class ShowError extends Component<{ children: ReactNode }, { message: string | null }> {
  override state = { message: null as string | null };
  static getDerivedStateFromError(error: unknown) {
    return { message: error instanceof Error ? error.message : String(error) };
  }
  override render() {
    return this.state.message === null ? this.props.children : <p data-testid="thrown">{this.state.message}</p>;
  }
}

function CallHook({ hook }: { hook: () => unknown }) {
  hook();
  return <p>rendered</p>;
}

// React reports errors its boundaries catch on the console; these tests expect them.
const quietly = <T,>(run: () => T): T => {
  const original = console.error;
  console.error = () => undefined;
  try {
    return run();
  } finally {
    console.error = original;
  }
};

describe('the session hooks outside their provider', () => {
  it.each([
    ['useSessionUUID', useSessionUUID],
    ['useSessionState', useSessionState],
    ['useSessionActions', useSessionActions],
    ['useConnection', useConnection],
    ['useEventLog', useEventLog],
  ] as const)('%s throws an error that names the provider to add', (name, hook) => {
    const view = quietly(() => render(<ShowError><CallHook hook={hook} /></ShowError>));
    expect(view.getByTestId('thrown').textContent).toBe(`${name}() must be called inside <SessionProvider> (which <AppProviders> includes).`);
  });
});

describe('useSessionUUID inside the provider', () => {
  it('gives the id of the session this tab is in', async () => {
    const server = new FakeApiServer();
    const tab = renderTab({ server, events: new FakeEventSource(), channelName: newChannelName() });
    await waitFor(() => { expect(tab.status()).toBe('active'); });
    const [sessionId] = [...server.sessions.keys()];
    expect(tab.sessionId()).toBe(sessionId);
  });

  it('throws a clear error while the tab has no session yet', () => {
    // The server never answers, so the tab stays loading.
    const silentServer: typeof fetch = () => new Promise<Response>(() => undefined);
    const view = quietly(() => render(
      <AppProviders baseUrl={BASE_URL} fetch={silentServer} source={new FakeEventSource().source} storage={memoryStore()} channel={{ name: newChannelName(), options: { type: 'simulate' } }}>
        <ShowError><CallHook hook={useSessionUUID} /></ShowError>
      </AppProviders>,
    ));
    expect(view.getByTestId('thrown').textContent).toBe(
      "useSessionUUID() needs a session, but this tab's session is loading. Render components that use it only while useSessionState().status is 'active' or 'resetting'.",
    );
  });
});
