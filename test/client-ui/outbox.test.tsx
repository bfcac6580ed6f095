import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { toast } from 'react-hot-toast';
import { afterEach, describe, expect, it } from 'vitest';
import { outboxKey, readOutbox } from '../../src/client/outbox/outbox.js';
import { createStoredValue } from '../../src/client/session/session-id-store.js';
import { renderScreens } from './support/render-screens.js';

afterEach(() => {
  cleanup();
  toast.remove();
  localStorage.clear();
});

async function openComposer(options: Parameters<typeof renderScreens>[0] = {}) {
  const app = renderScreens(options);
  const input = await screen.findByRole('textbox', { name: 'Message' });
  return { ...app, input, sendButton: screen.getByTestId('chat-send') };
}

/** The server goes away: requests get no answer, and the live connection (once open) says so. */
async function goOffline(app: Awaited<ReturnType<typeof openComposer>>) {
  await waitFor(() => { expect(app.events.isSubscribed(app.session.sessionId)).toBe(true); });
  app.server.unreachable = true;
  act(() => { app.events.setStatus('offline'); });
}

const pending = () => screen.queryAllByTestId('message-pending').map((item) => within(item).getByText(/./, { selector: '.message-text' }).textContent);
/** The messages shown as stored (neither pending nor refused), in the order shown. */
const stored = () =>
  [...screen.getByTestId('message-list').querySelectorAll('li.message:not([data-testid])')].map((item) => item.querySelector('.message-text')?.textContent);
const pageText = () => document.body.textContent;

function CaptureQueryClient({ into }: { into: { current: QueryClient | null } }) {
  into.current = useQueryClient();
  return null;
}

/** A tab whose writes into its cached conversation are counted (writes by hand, as an answer or an event makes them; not fetches). */
async function openCountingWrites() {
  const client: { current: QueryClient | null } = { current: null };
  const app = await openComposer({ extra: <CaptureQueryClient into={client} /> });
  const writes = { count: 0 };
  client.current?.getQueryCache().subscribe((event) => {
    if (event.type === 'updated' && event.action.type === 'success' && event.action.manual && JSON.stringify(event.query.queryKey).startsWith('[["chat","list"]')) writes.count += 1;
  });
  return { ...app, writes };
}

describe('the outbox', () => {
  it('shows a message sent while the server is down at once as pending, in words, and lets the person write on', async () => {
    const app = await openComposer();
    await goOffline(app);
    await app.user.type(app.input, 'written offline{Enter}');

    expect(pending()).toEqual(['written offline']);
    expect(app.input).toHaveProperty('value', '');
    expect(screen.getByTestId('message-pending').textContent).toContain('Waiting for the connection: it goes when the server is back.');
    await app.user.type(app.input, 'and another');
    expect(app.sendButton).toHaveProperty('disabled', false);
    expect(localStorage.getItem(outboxKey(app.session.sessionId))).toContain('written offline');
    // Tries fail quietly: the browser's words are nowhere.
    await waitFor(() => { expect(app.server.unanswered.filter((path) => path === 'chat.send').length).toBeGreaterThanOrEqual(2); });
    expect(pending()).toEqual(['written offline']);
    expect(pageText()).not.toMatch(/Failed to fetch|NetworkError|TypeError/);
    expect(app.server.messages.get(app.session.sessionId) ?? []).toEqual([]);
  });

  it('keeps a pending message across a reload, then sends it once with its clientMessageId when the server is back', async () => {
    const first = await openComposer();
    await goOffline(first);
    await first.user.type(first.input, 'survives a reload{Enter}');
    expect(pending()).toEqual(['survives a reload']);
    first.unmount();

    // The reloaded page cannot open its session yet: its skeleton shows what waits to be sent.
    renderScreens({ server: first.server });
    await waitFor(() => { expect(screen.getByTestId('app-skeleton')).toBeDefined(); });
    expect(pending()).toEqual(['survives a reload']);

    first.server.unreachable = false;
    await waitFor(() => { expect(stored()).toEqual(['survives a reload']); }, { timeout: 10_000 });
    expect(pending()).toEqual([]);
    const sends = first.server.sendInputs;
    expect(sends).toHaveLength(1);
    expect(sends[0]?.clientMessageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first.server.messages.get(first.session.sessionId)?.map((m) => m.text)).toEqual(['survives a reload']);
    expect(localStorage.getItem(outboxKey(first.session.sessionId))).toBeNull();
    expect(pageText()).not.toMatch(/Failed to fetch/);
  });

  it('sends two messages written one right after the other, both, in order', async () => {
    const app = await openComposer();
    const release = app.server.hold('chat.send');
    await app.user.type(app.input, 'first{Enter}');
    await app.user.type(app.input, 'second{Enter}');
    expect(app.input).toHaveProperty('value', '');
    expect(pending()).toEqual(['first', 'second']);
    release();
    await waitFor(() => { expect(stored()).toEqual(['first', 'second']); });
    expect(app.server.messages.get(app.session.sessionId)?.map((m) => m.text)).toEqual(['first', 'second']);
    expect(app.server.sendInputs.map((input) => input.text)).toEqual(['first', 'second']);
  });

  it('shows why the server refused a message (400), and retries it or deletes it as the person says (fault injected: 400s on chat.send)', async () => {
    const app = await openComposer();
    const tooLong = { code: 'BAD_REQUEST', message: 'Invalid input: text must be at most 4000 characters long' } as const;
    app.server.failNext('chat.send', tooLong);
    await app.user.type(app.input, 'refused once{Enter}');
    const refused = await screen.findByTestId('message-failed');
    expect(refused.textContent).toContain('refused once');
    expect(refused.textContent).toContain('Not sent. Invalid input: text must be at most 4000 characters long');

    // A message written after it still goes: the refused one waits for the person.
    await app.user.type(app.input, 'goes on{Enter}');
    await waitFor(() => { expect(stored()).toEqual(['goes on']); });

    app.server.failNext('chat.send', tooLong);
    await app.user.click(within(refused).getByTestId('message-retry'));
    // Refused again, then deleted.
    await waitFor(() => { expect(app.server.sendInputs).toHaveLength(3); });
    const again = await screen.findByTestId('message-failed');
    await app.user.click(within(again).getByTestId('message-delete'));
    expect(screen.queryByTestId('message-failed')).toBeNull();
    expect(localStorage.getItem(outboxKey(app.session.sessionId))).toBeNull();
    expect(stored()).toEqual(['goes on']);
  });

  it('retries a refused message when the person asks, and shows it as sent (fault injected: one 400 on chat.send)', async () => {
    const app = await openComposer();
    app.server.failNext('chat.send', { code: 'BAD_REQUEST', message: 'Invalid input: text must be at most 4000 characters long' });
    await app.user.type(app.input, 'second try{Enter}');
    await app.user.click(within(await screen.findByTestId('message-failed')).getByTestId('message-retry'));
    await waitFor(() => { expect(stored()).toEqual(['second try']); });
    expect(screen.queryByTestId('message-failed')).toBeNull();
    const ids = app.server.sendInputs.map((input) => input.clientMessageId);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
  });

  it('shows a 429 with a wait that counts down, Retry and Delete, and sends by itself when the wait is over (fault injected: one 429)', async () => {
    const app = await openComposer();
    app.server.failNext('chat.send', { code: 'TOO_MANY_REQUESTS', message: 'This session is sending messages too fast. Please wait 3 seconds and try again.', retryAfterSeconds: 3 });
    await app.user.type(app.input, 'slow down{Enter}');
    const refused = await screen.findByTestId('message-failed');
    expect(refused.textContent).toContain('Not sent yet: too many messages in a short time.');
    expect(within(refused).getByTestId('message-retry')).toBeDefined();
    expect(within(refused).getByTestId('message-delete')).toBeDefined();
    const countdown = () => Number(/Trying again in (\d+) s…/.exec(within(refused).getByTestId('message-countdown').textContent)?.[1]);
    const before = countdown();
    expect(before).toBeGreaterThanOrEqual(2);
    await waitFor(() => { expect(countdown()).toBeLessThan(before); }, { timeout: 2000 });
    await waitFor(() => { expect(stored()).toEqual(['slow down']); }, { timeout: 5000 });
    expect(app.server.sendInputs).toHaveLength(2);
  });

  it('puts a sent message in the sending tab\'s conversation once: the send\'s answer first, then its event', async () => {
    const app = await openCountingWrites();
    await app.user.type(app.input, 'answered first{Enter}');
    await waitFor(() => { expect(stored()).toEqual(['answered first']); });
    const [message] = app.server.messages.get(app.session.sessionId) ?? [];
    if (!message) throw new Error('the server stored no message');

    act(() => { app.events.emit(app.session.sessionId, { type: 'chat.message', message }); });
    expect(stored()).toEqual(['answered first']);
    expect(app.writes.count).toBe(1);
  });

  it('puts a sent message in the sending tab\'s conversation once: its event first, then the send\'s answer', async () => {
    const app = await openCountingWrites();
    await waitFor(() => { expect(app.events.isSubscribed(app.session.sessionId)).toBe(true); });
    const release = app.server.hold('chat.send');
    await app.user.type(app.input, 'heard first{Enter}');
    // The server stores it and publishes its event while the answer is still on its way.
    const [entry] = readOutbox(createStoredValue(outboxKey(app.session.sessionId)));
    if (!entry) throw new Error('the outbox holds no message');
    const message = app.server.addMessage(app.session.sessionId, entry.text, [], entry.clientMessageId);
    act(() => { app.events.emit(app.session.sessionId, { type: 'chat.message', message }); });
    await waitFor(() => { expect(stored()).toEqual(['heard first']); });

    release();
    await waitFor(() => { expect(localStorage.getItem(outboxKey(app.session.sessionId))).toBeNull(); });
    expect(stored()).toEqual(['heard first']);
    expect(app.writes.count).toBe(1);
  });
});
