import { randomUUID } from 'node:crypto';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { act } from 'react';
import { toast } from 'react-hot-toast';
import { afterEach, describe, expect, it } from 'vitest';
import type { MessageView } from '../../src/shared/chat.js';
import { renderScreens } from './support/render-screens.js';

afterEach(() => {
  cleanup();
  toast.remove();
});

/** A moment `daysAgo` days before today, at the local hour and minute given. */
function localTime(daysAgo: number, hour: number, minute: number): Date {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() - daysAgo, hour, minute);
}

describe('the conversation', () => {
  it('reads by day, in runs of messages sent close together that share one time, written without a leading zero', async () => {
    const { server, session } = renderScreens();
    const said = (text: string, sentAt: Date): MessageView => ({ messageId: randomUUID(), sessionId: session.sessionId, text, fileIds: [], createdAt: sentAt.toISOString() });
    server.messages.set(session.sessionId, [
      said('Yesterday evening', localTime(1, 21, 40)),
      said('Good morning', localTime(0, 9, 5)),
      said('Two things', localTime(0, 9, 6)),
      said('Later on', localTime(0, 9, 30)),
    ]);
    const list = await screen.findByTestId('message-list');
    await within(list).findByText('Later on');

    const days = within(list).getAllByRole('heading', { level: 3 });
    expect(days.map((day) => day.textContent)).toEqual(['Yesterday', 'Today']);
    const today = days[1]?.closest('li');
    if (!today) throw new Error('no day of today');
    const messages = within(today).getAllByRole('listitem');
    expect(messages.map((item) => item.querySelector('.message-text')?.textContent)).toEqual(['Good morning', 'Two things', 'Later on']);
    // The run of 9:05 and 9:06 shows its time once, on its last message; every message keeps it for screen readers.
    const times = messages.map((item) => item.querySelector('time'));
    expect(times.map((time) => time?.classList.contains('visually-hidden'))).toEqual([true, false, false]);
    expect(times[1]?.textContent).toMatch(/^9:06(\sAM)?$/);
    expect(times[0]?.textContent).toMatch(/^9:05(\sAM)?$/);
    expect(messages.map((item) => item.classList.contains('starts-run'))).toEqual([true, false, true]);
  });

  it('keeps each message and its time in place when the session\'s messages arrive live', async () => {
    const { server, session, events } = renderScreens();
    const list = await screen.findByTestId('message-list');
    await waitFor(() => { expect(events.isSubscribed(session.sessionId)).toBe(true); });
    const message = server.addMessage(session.sessionId, 'Arrived live');
    act(() => { events.emit(session.sessionId, { type: 'chat.message', message }); });
    await within(list).findByText('Arrived live');
    expect(within(list).getAllByRole('heading', { level: 3 }).map((day) => day.textContent)).toEqual(['Today']);
  });
});
