import { cleanup, screen, waitFor } from '@testing-library/react';
import { toast } from 'react-hot-toast';
import { afterEach, describe, expect, it } from 'vitest';
import { CHAT_TEXT_MAX } from '../../src/shared/limits.js';
import { renderScreens } from './support/render-screens.js';
import { toastTexts } from './support/render-app.js';

afterEach(() => {
  cleanup();
  toast.remove();
  localStorage.clear();
});

async function openComposer() {
  const app = renderScreens();
  const input = await screen.findByRole('textbox', { name: 'Message' });
  return { ...app, input, send: screen.getByTestId('chat-send') };
}

const messageTexts = () => [...screen.getByTestId('message-list').querySelectorAll('li')].map((li) => li.textContent);

describe('the composer', () => {
  it('sends on Enter and breaks the line on Shift+Enter', async () => {
    const { user, input, server, session } = await openComposer();
    await user.type(input, 'first line{Shift>}{Enter}{/Shift}second line');
    expect(input).toHaveProperty('value', 'first line\nsecond line');
    expect(server.callsOf('chat.send')).toBe(0);

    await user.keyboard('{Enter}');
    await waitFor(() => { expect(server.messages.get(session.sessionId)?.map((m) => m.text)).toEqual(['first line\nsecond line']); });
    expect(input).toHaveProperty('value', '');
    await waitFor(() => { expect(messageTexts().some((text) => text.includes('second line'))).toBe(true); });
  });

  it('shows the 4,000-character limit, and past it neither the button nor Enter sends', async () => {
    const { user, input, send, server } = await openComposer();
    expect(screen.getByText('0 / 4,000')).toBeDefined();
    await user.click(input);
    await user.paste('x'.repeat(CHAT_TEXT_MAX));
    expect(screen.getByText('4,000 / 4,000')).toBeDefined();
    expect(send).toHaveProperty('disabled', false);

    await user.type(input, 'yz');
    expect(screen.getByText('2 over the 4,000-character limit')).toBeDefined();
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(send).toHaveProperty('disabled', true);
    await user.keyboard('{Enter}');
    expect(server.callsOf('chat.send')).toBe(0);
    expect((input as HTMLTextAreaElement).value).toHaveLength(CHAT_TEXT_MAX + 2);
  });

  it('clears the draft and shows a refused message in the conversation with the server’s reason (fault injected: a 400 on chat.send)', async () => {
    const { user, input, server } = await openComposer();
    server.failNext('chat.send', { code: 'BAD_REQUEST', message: 'The message was refused.' });
    await user.type(input, 'will not go{Enter}');
    const refused = await screen.findByTestId('message-failed');
    expect(refused.textContent).toContain('will not go');
    expect(refused.textContent).toContain('Not sent. The message was refused.');
    expect(input).toHaveProperty('value', '');
    expect(toastTexts()).toEqual([]);
  });
});
