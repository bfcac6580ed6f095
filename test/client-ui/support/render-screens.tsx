import { render } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { App } from '../../../src/client/App.js';
import { AppErrorBoundary } from '../../../src/client/components/AppErrorBoundary.js';
import { AppProviders, memoryStore } from '../../../src/client/session/index.js';
import { FakeApiServer } from './fake-api-server.js';
import { FakeEventSource } from './fake-event-source.js';
import { BASE_URL, newChannelName } from './render-app.js';

export interface ScreenOptions {
  /** Rendered inside the error boundary beside the app (a component that throws). */
  extra?: ReactNode;
  /**
   * The fake API of an earlier render, with its session: rendering again over it is what a reload
   * of the page is (localStorage stays; everything in memory starts anew).
   */
  server?: FakeApiServer;
}

/**
 * The app's screens as `main.tsx` renders them — the real providers, the error boundary and
 * `App` — over a fake API holding one session and a fake event source.
 */
export function renderScreens({ extra, server = new FakeApiServer() }: ScreenOptions = {}) {
  const events = new FakeEventSource();
  const session = server.sessions.values().next().value ?? server.addSession();
  const storage = memoryStore(session.sessionId);
  const user = userEvent.setup();
  const view = render(
    <AppProviders baseUrl={BASE_URL} fetch={server.fetch} source={events.source} storage={storage} channel={{ name: newChannelName(), options: { type: 'simulate' } }}>
      <AppErrorBoundary>
        <App />
        {extra}
      </AppErrorBoundary>
    </AppProviders>,
  );
  return { ...view, server, events, session, storage, user };
}
