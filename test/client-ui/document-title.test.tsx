import { cleanup, screen, waitFor } from '@testing-library/react';
import { act } from 'react';
import { toast } from 'react-hot-toast';
import { afterEach, describe, expect, it } from 'vitest';
import { renderScreens } from './support/render-screens.js';

/** What the browser does when the person switches to another tab, or back. */
function setVisibility(state: 'visible' | 'hidden') {
  act(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
    document.dispatchEvent(new Event('visibilitychange'));
  });
}

afterEach(() => {
  setVisibility('visible');
  cleanup();
  toast.remove();
});

async function connectedApp() {
  const app = renderScreens();
  await screen.findByTestId('chat-input');
  await waitFor(() => { expect(app.events.isSubscribed(app.session.sessionId)).toBe(true); });
  await waitFor(() => { expect(document.title).toBe('Tabsync'); });
  return app;
}

describe('the tab title', () => {
  it('counts the messages that arrive while the tab is in the background, and clears the count once it is seen', async () => {
    const { server, session, events } = await connectedApp();
    const seenBefore = server.addMessage(session.sessionId, 'seen while in front');
    act(() => { events.emit(session.sessionId, { type: 'chat.message', message: seenBefore }); });
    expect(document.title).toBe('Tabsync');

    setVisibility('hidden');
    for (const text of ['one', 'two']) {
      const message = server.addMessage(session.sessionId, text);
      act(() => { events.emit(session.sessionId, { type: 'chat.message', message }); });
    }
    // Other news is not a message to read.
    act(() => { events.emit(session.sessionId, { type: 'file.removed', fileId: crypto.randomUUID() }); });
    await waitFor(() => { expect(document.title).toBe('(2) Tabsync'); });

    setVisibility('visible');
    await waitFor(() => { expect(document.title).toBe('Tabsync'); });
  });

  it('says when the connection is down or the session has ended', async () => {
    const { session, events } = await connectedApp();
    act(() => {
      for (const { handlers } of events.open) handlers.onStatus('offline');
    });
    await waitFor(() => { expect(document.title).toBe('Offline · Tabsync'); });
    act(() => { events.emit(session.sessionId, { type: 'session.expired', sessionId: session.sessionId, at: new Date().toISOString() }); });
    await waitFor(() => { expect(document.title).toBe('Session ended · Tabsync'); });
  });
});
