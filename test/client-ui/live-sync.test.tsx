import { cleanup, screen, waitFor } from '@testing-library/react';
import { toast } from 'react-hot-toast';
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/client/session/index.js';
import type { SessionEvent } from '../../src/shared/events.js';
import { FakeApiServer } from '../support/fake-api-server.js';
import { FakeEventSource } from './support/fake-event-source.js';
import { newChannelName, renderTab, toastTexts } from './support/render-app.js';
import { renderScreens } from './support/render-screens.js';

afterEach(() => {
  cleanup();
  toast.remove();
});

function texts(list: HTMLElement): string[] {
  return [...list.querySelectorAll('li')].map((li) => li.textContent);
}

/** A browser with one session on the fake server; `open()` opens another tab of it. */
function browser() {
  const server = new FakeApiServer();
  const events = new FakeEventSource();
  const channelName = newChannelName();
  const session = server.addSession();
  const storage = memoryStore(session.sessionId);
  const open = (withConversation = true) => renderTab({ server, events, channelName, storage, withConversation });
  const emit = (event: SessionEvent, sessionId = session.sessionId) => { act(() => { events.emit(sessionId, event); }); };
  return { server, events, session, storage, open, emit };
}

async function ready(tab: ReturnType<ReturnType<typeof browser>['open']>, events: FakeEventSource, sessionId: string) {
  await waitFor(() => { expect(tab.status()).toBe('active'); });
  await waitFor(() => { expect(events.isSubscribed(sessionId)).toBe(true); });
  await waitFor(() => { expect(tab.tab.getByTestId('messages')).toBeDefined(); });
}

describe('events land in the query caches', () => {
  it('adds a chat message to the conversation once, however often it arrives', async () => {
    const { server, events, session, open, emit } = browser();
    const earlier = server.addMessage(session.sessionId, 'fetched before');
    const tab = open();
    await ready(tab, events, session.sessionId);
    await waitFor(() => { expect(texts(tab.tab.getByTestId('messages'))).toEqual(['fetched before']); });

    const message = { ...earlier, messageId: crypto.randomUUID(), text: 'live', createdAt: new Date().toISOString() };
    emit({ type: 'chat.message', message });
    emit({ type: 'chat.message', message });
    emit({ type: 'chat.message', message: earlier });
    await waitFor(() => { expect(texts(tab.tab.getByTestId('messages'))).toEqual(['fetched before', 'live']); });
    expect(server.callsOf('chat.list')).toBe(1);
  });

  it('follows a file from added to stored in place, and drops it when removed', async () => {
    const { server, events, session, open, emit } = browser();
    const tab = open();
    await ready(tab, events, session.sessionId);
    await waitFor(() => { expect(server.callsOf('files.list')).toBe(1); });
    const file = server.addFile(session.sessionId, 'notes.txt', 'uploading');

    emit({ type: 'file.added', file });
    await waitFor(() => { expect(texts(tab.tab.getByTestId('files'))).toEqual(['notes.txt:uploading']); });
    emit({ type: 'file.stored', file: { ...file, status: 'stored' } });
    await waitFor(() => { expect(texts(tab.tab.getByTestId('files'))).toEqual(['notes.txt:stored']); });
    emit({ type: 'file.removed', fileId: file.fileId });
    await waitFor(() => { expect(texts(tab.tab.getByTestId('files'))).toEqual([]); });
    expect(server.callsOf('files.list')).toBe(1);
  });

  it('refetches the conversation and the files when the server says it cannot replay what was missed', async () => {
    const { server, events, session, open, emit } = browser();
    const tab = open();
    await ready(tab, events, session.sessionId);
    await waitFor(() => { expect(server.callsOf('chat.list')).toBe(1); expect(server.callsOf('files.list')).toBe(1); });
    // What happened while the tab was away, of which no event will come.
    server.addMessage(session.sessionId, 'missed message');
    server.addFile(session.sessionId, 'missed.png');

    emit({ type: 'session.resync', sessionId: session.sessionId, reason: 'history_trimmed' });
    await waitFor(() => { expect(texts(tab.tab.getByTestId('messages'))).toEqual(['missed message']); });
    await waitFor(() => { expect(texts(tab.tab.getByTestId('files'))).toEqual(['missed.png:stored']); });
    expect(server.callsOf('chat.list')).toBe(2);
    expect(server.callsOf('files.list')).toBe(2);
  });

  it('waits out a 429 on a read, says so, and shows the data after (fault injected: one 429 on chat.list)', async () => {
    const { server, events, session, open } = browser();
    server.addMessage(session.sessionId, 'after the wait');
    server.failNext('chat.list', { code: 'TOO_MANY_REQUESTS', message: 'Too many requests.', retryAfterSeconds: 1 });
    const tab = open();
    await ready(tab, events, session.sessionId);
    await waitFor(() => { expect(toastTexts()).toContain('Too many requests from this network. Trying again in 1 s…'); });
    await waitFor(() => { expect(texts(tab.tab.getByTestId('messages'))).toEqual(['after the wait']); }, { timeout: 5000 });
    expect(server.callsOf('chat.list')).toBe(2);
  });
});

describe('reset and the ends of a session move every tab', () => {
  it('resets: a new session in every tab, stored, subscribed, and said so', async () => {
    const { events, session, storage, open } = browser();
    const first = open(false);
    const second = open(false);
    await waitFor(() => { expect(first.status()).toBe('active'); expect(second.status()).toBe('active'); });

    await act(() => first.actions.reset());
    const newId = first.sessionId();
    expect(newId).not.toBe(session.sessionId);
    expect(storage.read()).toBe(newId);
    await waitFor(() => { expect(second.sessionId()).toBe(newId); });
    await waitFor(() => { expect(events.isSubscribed(newId ?? '')).toBe(true); });
    expect(events.isSubscribed(session.sessionId)).toBe(false);
    await waitFor(() => {
      expect(toastTexts()).toContain('Session reset. Every tab of this browser moved to the new session.');
      expect(toastTexts()).toContain('The session was reset in another tab; this tab moved to it.');
    });
  });

  it('explains the move in a tab that hears of the reset from the server before the resetting tab tells it where to go', async () => {
    const { server, events, session, open, emit } = browser();
    const first = open(false);
    const second = open(false);
    await waitFor(() => { expect(first.status()).toBe('active'); expect(second.status()).toBe('active'); });
    await waitFor(() => { expect(events.isSubscribed(session.sessionId)).toBe(true); });

    // The reset's answer is slow, and so is the other tab's question about the browser's session.
    const releaseReset = server.hold('session.reset');
    const resetting = first.actions.reset();
    await waitFor(() => { expect(first.status()).toBe('resetting'); });
    const releaseCurrent = server.hold('session.current');
    emit({ type: 'session.reset', sessionId: session.sessionId, newSessionId: crypto.randomUUID(), at: new Date().toISOString() });
    await waitFor(() => { expect(second.status()).toBe('ended'); });

    releaseReset();
    await act(() => resetting);
    const newId = first.sessionId();
    await waitFor(() => { expect(second.sessionId()).toBe(newId); });
    releaseCurrent();
    await waitFor(() => { expect(toastTexts()).toContain('The session was reset in another tab; this tab moved to it.'); });
  });

  it('keeps the explanation of a move for when a tab in the background is seen again', async () => {
    const { session, events, open } = browser();
    const first = open(false);
    const second = open(false);
    await waitFor(() => { expect(first.status()).toBe('active'); expect(second.status()).toBe('active'); });
    await waitFor(() => { expect(events.isSubscribed(session.sessionId)).toBe(true); });
    const setVisibility = (state: 'visible' | 'hidden') => {
      act(() => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
        document.dispatchEvent(new Event('visibilitychange'));
      });
    };

    setVisibility('hidden');
    try {
      await act(() => first.actions.reset());
      await waitFor(() => { expect(second.sessionId()).toBe(first.sessionId()); });
      // A toast shown now would run out before anyone saw it.
      expect(toastTexts()).not.toContain('The session was reset in another tab; this tab moved to it.');
    } finally {
      setVisibility('visible');
    }
    await waitFor(() => { expect(toastTexts()).toContain('The session was reset in another tab; this tab moved to it.'); });
  });

  it('keeps the session when a reset is refused, and says why (fault injected: a 400 on reset)', async () => {
    const { server, session, open } = browser();
    server.failNext('session.reset', { code: 'BAD_REQUEST', message: 'Not now.' });
    const tab = open(false);
    await waitFor(() => { expect(tab.status()).toBe('active'); });
    await act(() => tab.actions.reset());
    expect(tab.status()).toBe('active');
    expect(tab.sessionId()).toBe(session.sessionId);
    await waitFor(() => { expect(toastTexts()).toContain('The session was not reset: Not now.'); });
  });

  it('follows a reset the server announces, into the session that replaced it', async () => {
    const { server, events, session, open, emit } = browser();
    const tab = open(false);
    await waitFor(() => { expect(events.isSubscribed(session.sessionId)).toBe(true); });
    const replacement = server.addSession();
    emit({ type: 'session.reset', sessionId: session.sessionId, newSessionId: replacement.sessionId, at: new Date().toISOString() });
    await waitFor(() => { expect(tab.sessionId()).toBe(replacement.sessionId); });
    await waitFor(() => { expect(toastTexts()).toContain('The session was reset in another tab; this tab moved to it.'); });
  });

  it('ends the session in every tab when it expires, and starts anew on request', async () => {
    const { events, session, open, emit } = browser();
    const first = open(false);
    const second = open(false);
    await waitFor(() => { expect(events.isSubscribed(session.sessionId)).toBe(true); });
    await waitFor(() => { expect(second.status()).toBe('active'); });

    emit({ type: 'session.expired', sessionId: session.sessionId, at: new Date().toISOString() });
    await waitFor(() => { expect(first.status()).toBe('ended'); expect(second.status()).toBe('ended'); });
    expect(first.tab.getByTestId('reason').textContent).toBe('expired');
    await waitFor(() => { expect(toastTexts()).toContain('This session expired after a long time without use. Start a new session to go on.'); });

    // Coming back online is no reason to leave an ended session behind unasked.
    act(() => { window.dispatchEvent(new Event('online')); });
    expect(second.status()).toBe('ended');

    await act(() => second.actions.startNew());
    const newId = second.sessionId();
    expect(second.status()).toBe('active');
    await waitFor(() => { expect(first.sessionId()).toBe(newId); });
  });

  it('ends the session in every tab when a read is refused for it, before the subscription says so', async () => {
    const { server, events, session, open, emit } = browser();
    const first = open();
    const second = open(false);
    await ready(first, events, session.sessionId);
    await waitFor(() => { expect(second.status()).toBe('active'); });
    server.sessions.delete(session.sessionId);
    server.ended.set(session.sessionId, 'expired');

    emit({ type: 'session.resync', sessionId: session.sessionId, reason: 'history_lost' });
    await waitFor(() => { expect(first.status()).toBe('ended'); expect(second.status()).toBe('ended'); });
    expect(second.tab.getByTestId('reason').textContent).toBe('expired');
  });

  it('follows the browser’s current session when refused for a reset it did not hear of', async () => {
    const { server, events, session, open } = browser();
    const tab = open(false);
    await waitFor(() => { expect(events.isSubscribed(session.sessionId)).toBe(true); });
    // Another window of this browser reset the session while this tab heard nothing of it.
    server.sessions.delete(session.sessionId);
    server.ended.set(session.sessionId, 'reset');
    const replacement = server.addSession();

    act(() => { events.end(session.sessionId, { kind: 'denied', reason: 'reset', message: 'This session was reset.' }); });
    await waitFor(() => { expect(tab.sessionId()).toBe(replacement.sessionId); });
    await waitFor(() => { expect(events.isSubscribed(replacement.sessionId)).toBe(true); });
    expect(server.callsOf('session.validate')).toBe(1);
  });

  it('tells every tab when the server refuses the session, and why', async () => {
    const { events, session, open } = browser();
    const first = open(false);
    const second = open(false);
    await waitFor(() => { expect(events.isSubscribed(session.sessionId)).toBe(true); });
    await waitFor(() => { expect(second.status()).toBe('active'); });

    act(() => { events.end(session.sessionId, { kind: 'denied', reason: 'forbidden', message: 'This session belongs to another browser.' }); });
    await waitFor(() => { expect(first.status()).toBe('ended'); expect(second.status()).toBe('ended'); });
    expect(first.tab.getByTestId('reason').textContent).toBe('forbidden');
    expect(second.tab.getByTestId('reason').textContent).toBe('forbidden');
    expect(first.tab.getByTestId('connection').textContent).toBe('offline');
    expect(events.isSubscribed(session.sessionId)).toBe(false);
  });
});

describe('the live connection', () => {
  it('logs what the tab hears, newest last, and takes a newer view of the session', async () => {
    const { events, session, open, emit } = browser();
    const tab = open(false);
    await waitFor(() => { expect(events.isSubscribed(session.sessionId)).toBe(true); });

    emit({ type: 'session.validated', session: { ...session, version: 2 } });
    emit({ type: 'file.removed', fileId: crypto.randomUUID() });
    await waitFor(() => { expect(tab.tab.getByTestId('event-log').textContent).toBe('1700000000000-1 session.validated\n1700000000000-2 file.removed'); });
    expect(tab.tab.getByTestId('last-event-id').textContent).toBe('1700000000000-2');
    expect(tab.tab.getByTestId('version').textContent).toBe('2');
  });

  it('subscribes again after an interruption, from the last event it saw', async () => {
    const { events, session, open, emit } = browser();
    const tab = open(false);
    await waitFor(() => { expect(events.isSubscribed(session.sessionId)).toBe(true); });
    emit({ type: 'file.removed', fileId: crypto.randomUUID() });
    const lastId = events.subscribed.length;

    act(() => { events.end(session.sessionId, { kind: 'interrupted', retryAfterMs: 50, message: 'Too many subscriptions.' }); });
    await waitFor(() => { expect(events.subscribed.length).toBe(lastId + 1); });
    expect(events.subscribed.at(-1)).toEqual({ sessionId: session.sessionId, lastEventId: '1700000000000-1' });
    await waitFor(() => { expect(tab.tab.getByTestId('connection').textContent).toBe('connected'); });
  });

  it('plays offline on request and comes back where it left off', async () => {
    const { events, session, open } = browser();
    const tab = open(false);
    await waitFor(() => { expect(events.isSubscribed(session.sessionId)).toBe(true); });

    act(() => { tab.actions.setSimulatedOffline(true); });
    await waitFor(() => { expect(tab.tab.getByTestId('connection').textContent).toBe('offline'); });
    expect(events.isSubscribed(session.sessionId)).toBe(false);

    act(() => { tab.actions.setSimulatedOffline(false); });
    await waitFor(() => { expect(tab.tab.getByTestId('connection').textContent).toBe('connected'); });
    expect(events.isSubscribed(session.sessionId)).toBe(true);
  });
});

describe('a tab back after a drop', () => {
  it('asks for the conversation anew when it had heard no event to resume from, and not when it had', async () => {
    const { server, events, session, open, emit } = browser();
    const tab = open();
    await ready(tab, events, session.sessionId);
    await waitFor(() => { expect(server.callsOf('chat.list')).toBe(1); });

    // While the connection was down, another tab's outbox delivered a message: no event reached this tab.
    act(() => { events.setStatus('offline'); });
    server.addMessage(session.sessionId, 'sent while this tab was away');
    act(() => { events.setStatus('connected'); });
    await waitFor(() => { expect(texts(tab.tab.getByTestId('messages'))).toEqual(['sent while this tab was away']); });
    expect(server.callsOf('chat.list')).toBe(2);

    // Once an event was heard, the server replays from it: a drop costs no refetch.
    emit({ type: 'chat.message', message: server.addMessage(session.sessionId, 'live') });
    act(() => { events.setStatus('offline'); });
    act(() => { events.setStatus('connected'); });
    act(() => { events.setStatus('connected'); });
    await waitFor(() => { expect(texts(tab.tab.getByTestId('messages'))).toEqual(['sent while this tab was away', 'live']); });
    expect(server.callsOf('chat.list')).toBe(2);
  });
});

describe('a tab that finds its session while the server cannot be reached', () => {
  it('asks for the conversation anew once connected: what another tab sent as the server came back reached no event of its', async () => {
    const { server, events, session, open } = browser();
    const leader = open();
    await ready(leader, events, session.sessionId);
    act(() => { events.setStatus('offline'); });

    // A second tab opens (a reload) while the server cannot be reached; its retry finds the session.
    server.failNext('session.validate', 'network');
    const tab = open();
    await waitFor(() => { expect(tab.status()).toBe('active'); }, { timeout: 10_000 });
    await waitFor(() => { expect(server.callsOf('chat.list')).toBe(2); });
    // Sent by the other tab's outbox after this tab read the conversation, before the connection was up.
    server.addMessage(session.sessionId, 'sent as the server came back');
    act(() => { events.setStatus('connected'); });
    await waitFor(() => { expect(texts(tab.tab.getByTestId('messages'))).toEqual(['sent as the server came back']); });
  });
});

describe('a refetch that lands late', () => {
  it('keeps a message that arrived while it was on its way', async () => {
    const app = renderScreens();
    const list = await screen.findByTestId('message-list');
    const shown = () => [...list.querySelectorAll('.message-text')].map((p) => p.textContent);
    await waitFor(() => { expect(app.events.isSubscribed(app.session.sessionId)).toBe(true); });
    await waitFor(() => { expect(app.server.callsOf('chat.list')).toBe(1); });

    // Back after a drop with no event heard: the conversation is asked anew, and the answer is held.
    const release = app.server.hold('chat.list');
    act(() => { app.events.setStatus('offline'); });
    act(() => { app.events.setStatus('connected'); });
    const inRefetch = app.server.addMessage(app.session.sessionId, 'in the refetch');
    // Arrives live, before the refetch's answer (which was taken before it).
    act(() => { app.events.emit(app.session.sessionId, { type: 'chat.message', message: app.server.addMessage(app.session.sessionId, 'live, meanwhile') }); });
    app.server.messages.set(app.session.sessionId, [inRefetch]);
    release();
    await waitFor(() => { expect(app.server.callsOf('chat.list')).toBe(2); });
    await waitFor(() => { expect(shown()).toEqual(['in the refetch', 'live, meanwhile']); });
  });
});
