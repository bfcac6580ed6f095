import { randomUUID } from 'node:crypto';
import { act, cleanup, waitFor } from '@testing-library/react';
import { toast } from 'react-hot-toast';
import { afterEach, describe, expect, it } from 'vitest';
import { createSessionIdStore, memoryStore } from '../../src/client/session/index.js';
import { FakeApiServer } from '../support/fake-api-server.js';
import { FakeEventSource } from './support/fake-event-source.js';
import { newChannelName, renderTab, toastTexts } from './support/render-app.js';

afterEach(() => {
  cleanup();
  toast.remove();
  localStorage.clear();
  sessionStorage.clear();
});

function setUp() {
  return { server: new FakeApiServer(), events: new FakeEventSource(), channelName: newChannelName() };
}

describe('start-up', () => {
  it('resumes a stored session the server still honours, asking nothing else', async () => {
    const { server, events, channelName } = setUp();
    const stored = server.addSession();
    const tab = renderTab({ server, events, channelName, storage: memoryStore(stored.sessionId) });
    await waitFor(() => { expect(tab.status()).toBe('active'); });
    expect(tab.sessionId()).toBe(stored.sessionId);
    expect(server.callsOf('session.validate')).toBe(1);
    expect(server.callsOf('session.current')).toBe(0);
    expect(server.callsOf('session.generate')).toBe(0);
  });

  it.each([
    ['not_found', 'Your previous session no longer exists, so a new one was started.'],
    ['expired', 'Your previous session expired after a long time without use, so a new one was started.'],
    ['reset', 'Your previous session was reset, so a new one was started.'],
    ['forbidden', 'Your previous session belongs to another browser, so a new one was started here.'],
  ] as const)('replaces a stored session that is %s with a new one, and says why in words', async (reason, words) => {
    const { server, events, channelName } = setUp();
    const storedId = randomUUID();
    if (reason !== 'not_found') server.ended.set(storedId, reason);
    const storage = memoryStore(storedId);
    const tab = renderTab({ server, events, channelName, storage });
    await waitFor(() => { expect(tab.status()).toBe('active'); });
    await waitFor(() => { expect(toastTexts()).toContain(words); });
    expect(tab.sessionId()).not.toBe(storedId);
    expect(storage.read()).toBe(tab.sessionId());
    expect(server.callsOf('session.generate')).toBe(1);
  });

  it('treats a stored value that is no session id as a lost session, without asking the server about it', async () => {
    const { server, events, channelName } = setUp();
    const tab = renderTab({ server, events, channelName, storage: memoryStore('not-a-uuid') });
    await waitFor(() => { expect(tab.status()).toBe('active'); });
    expect(server.callsOf('session.validate')).toBe(0);
    await waitFor(() => { expect(toastTexts()).toContain('Your previous session no longer exists, so a new one was started.'); });
  });

  it('with nothing stored, takes the session the cookie names before generating one', async () => {
    const { server, events, channelName } = setUp();
    const cookie = server.addSession();
    const storage = memoryStore();
    const tab = renderTab({ server, events, channelName, storage });
    await waitFor(() => { expect(tab.status()).toBe('active'); });
    expect(tab.sessionId()).toBe(cookie.sessionId);
    expect(storage.read()).toBe(cookie.sessionId);
    expect(server.callsOf('session.current')).toBe(1);
    expect(server.callsOf('session.generate')).toBe(0);
  });

  it('with nothing stored and no cookie, generates a session, stores it and subscribes to it', async () => {
    const { server, events, channelName } = setUp();
    const storage = memoryStore();
    const tab = renderTab({ server, events, channelName, storage });
    await waitFor(() => { expect(tab.status()).toBe('active'); });
    const sessionId = tab.sessionId() ?? '';
    expect(server.sessions.has(sessionId)).toBe(true);
    expect(storage.read()).toBe(sessionId);
    expect(server.callsOf('session.current')).toBe(1);
    expect(server.callsOf('session.generate')).toBe(1);
    await waitFor(() => { expect(events.isSubscribed(sessionId)).toBe(true); });
    await waitFor(() => { expect(tab.tab.getByTestId('connection').textContent).toBe('connected'); });
  });

  it('keeps the id in sessionStorage when localStorage throws (fault injected: a throwing localStorage)', async () => {
    const { server, events, channelName } = setUp();
    const storage = createSessionIdStore({
      localStorage: () => { throw new DOMException('The operation is insecure.', 'SecurityError'); },
      sessionStorage: () => sessionStorage,
    });
    expect(storage.kind).toBe('sessionStorage');
    const tab = renderTab({ server, events, channelName, storage });
    await waitFor(() => { expect(tab.status()).toBe('active'); });
    expect(sessionStorage.getItem('tabsync.sessionId')).toBe(tab.sessionId());
  });
});

describe('start-up when the server refuses or cannot be reached', () => {
  it('waits out a 429 as long as the server asks, says so, then goes on (fault injected: one 429)', async () => {
    const { server, events, channelName } = setUp();
    server.failNext('session.current', { code: 'TOO_MANY_REQUESTS', message: 'Too many requests. Try again in 1 second.', retryAfterSeconds: 1 });
    const tab = renderTab({ server, events, channelName });
    await waitFor(() => { expect(toastTexts()).toContain('Too many requests from this network. Trying again in 1 s…'); });
    expect(tab.status()).toBe('loading');
    await waitFor(() => { expect(tab.status()).toBe('active'); }, { timeout: 5000 });
    expect(server.callsOf('session.current')).toBe(2);
  });

  it('tries again with backoff when the network fails (fault injected: two failed fetches)', async () => {
    const { server, events, channelName } = setUp();
    server.failNext('session.generate', 'network', 2);
    const tab = renderTab({ server, events, channelName });
    await waitFor(() => { expect(tab.status()).toBe('active'); }, { timeout: 8000 });
    expect(server.callsOf('session.generate')).toBe(1);
  });

  it('does not try a refused request again: it shows the error and toasts the server’s words (fault injected: a 400)', async () => {
    const { server, events, channelName } = setUp();
    server.failNext('session.generate', { code: 'BAD_REQUEST', message: 'This browser sent something the server cannot read.' });
    const tab = renderTab({ server, events, channelName });
    await waitFor(() => { expect(tab.status()).toBe('error'); });
    expect(tab.tab.getByTestId('error').textContent).toBe('This browser sent something the server cannot read.');
    await waitFor(() => { expect(toastTexts()).toContain('This browser sent something the server cannot read.'); });
    expect(server.callsOf('session.generate')).toBe(1);
  });

  it('after a failed start-up, tries again when the browser comes back online (fault injected: a 400)', async () => {
    const { server, events, channelName } = setUp();
    server.failNext('session.current', { code: 'BAD_REQUEST', message: 'Refused once.' });
    const tab = renderTab({ server, events, channelName });
    await waitFor(() => { expect(tab.status()).toBe('error'); });
    act(() => { window.dispatchEvent(new Event('online')); });
    await waitFor(() => { expect(tab.status()).toBe('active'); });
  });

  it('after a failed start-up, reconnect() tries the start-up again', async () => {
    const { server, events, channelName } = setUp();
    server.failNext('session.current', { code: 'BAD_REQUEST', message: 'Refused once.' });
    const tab = renderTab({ server, events, channelName });
    await waitFor(() => { expect(tab.status()).toBe('error'); });
    tab.actions.reconnect();
    await waitFor(() => { expect(tab.status()).toBe('active'); });
    expect(server.callsOf('session.current')).toBe(2);
  });
});
