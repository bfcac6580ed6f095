import { render } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { App } from '../../../src/client/App.js';
import { AppErrorBoundary } from '../../../src/client/components/AppErrorBoundary.js';
import { AppProviders, memoryStore, type SessionIdStore } from '../../../src/client/session/index.js';
import { FakeApiServer } from '../../support/fake-api-server.js';
import { FakeEventSource } from './fake-event-source.js';
import { BASE_URL, newChannelName } from './render-app.js';

/** One browser: its fake API (holding one session), the server's events, and the channel its tabs share. */
export interface ScreensBrowser {
  server: FakeApiServer;
  events: FakeEventSource;
  channelName: string;
  storage: SessionIdStore;
}

export interface ScreenOptions {
  /** Rendered inside the error boundary beside the app (a component that throws). */
  extra?: ReactNode;
  /** Another tab of this browser; a browser of its own when absent. */
  browser?: ScreensBrowser;
  /**
   * The fake API of an earlier render, with its session: rendering again over it is what a reload
   * of the page is (localStorage stays; everything in memory starts anew).
   */
  server?: FakeApiServer;
}

export function newScreensBrowser(server = new FakeApiServer()): ScreensBrowser {
  const session = server.sessions.values().next().value ?? server.addSession();
  return { server, events: new FakeEventSource(), channelName: newChannelName(), storage: memoryStore(session.sessionId) };
}

/**
 * The app's screens as `main.tsx` renders them — the real providers, the error boundary and
 * `App` — over a fake API holding one session and a fake event source. Given a `browser`, it is
 * another tab of that browser (same API, events and tab channel); given only a `server`, a reload.
 */
export function renderScreens({ extra, server, browser = newScreensBrowser(server) }: ScreenOptions = {}) {
  const { events, channelName, storage } = browser;
  const sessionId = storage.read();
  const session = (sessionId === null ? undefined : browser.server.sessions.get(sessionId)) ?? browser.server.addSession();
  const user = userEvent.setup();
  const view = render(
    <AppProviders baseUrl={BASE_URL} fetch={browser.server.fetch} source={events.source} storage={storage} channel={{ name: channelName, options: { type: 'simulate' } }}>
      <AppErrorBoundary>
        <App />
        {extra}
      </AppErrorBoundary>
    </AppProviders>,
  );
  return { ...view, server: browser.server, events, session, storage, user, browser };
}
