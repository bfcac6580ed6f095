import { cleanup, screen, within } from '@testing-library/react';
import { toast } from 'react-hot-toast';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderScreens } from './support/render-screens.js';

afterEach(() => {
  cleanup();
  toast.remove();
  vi.restoreAllMocks();
});

async function openApp() {
  const app = renderScreens();
  await screen.findByTestId('chat-input');
  const toggle = screen.getByRole('button', { name: 'Session' });
  const panel = screen.getByTestId('session-id').closest<HTMLElement>('[role="group"]');
  if (!panel) throw new Error('the session id is not in the session menu');
  return { ...app, toggle, panel };
}

describe('the session menu', () => {
  it('keeps the raw session id off the bar, and shows it whole in the menu with its copy button', async () => {
    const { user, session, toggle, panel } = await openApp();
    // In the page (hidden) only inside the closed menu: the bar shows no part of it.
    expect(screen.getAllByText(session.sessionId, { exact: false }).every((element) => panel.contains(element))).toBe(true);
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(panel.hidden).toBe(true);

    await user.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(toggle.getAttribute('aria-controls')).toBe(panel.id);
    expect(panel.hidden).toBe(false);
    expect(within(panel).getByTestId('session-id').textContent).toBe(session.sessionId);
    expect(within(panel).getByRole('button', { name: 'Copy session id' })).toBeDefined();
    expect(within(panel).getByTestId('reset-button')).toBeDefined();
  });

  it('says beside the copy button that the id was copied, and then lets the word go', async () => {
    const { user, session, toggle, panel } = await openApp();
    const writeText = vi.spyOn(navigator.clipboard, 'writeText');
    await user.click(toggle);
    const copy = within(panel).getByRole('button', { name: 'Copy session id' });
    await user.click(copy);
    expect(writeText).toHaveBeenCalledWith(session.sessionId);
    const feedback = copy.parentElement ? within(copy.parentElement).getByRole('status') : undefined;
    expect(feedback?.textContent).toBe('Copied');
    // No toast at the other end of the window: the feedback is where the person looks.
    expect(document.querySelector('[data-rht-toaster]')?.textContent ?? '').not.toContain('copied');
    await vi.waitFor(() => { expect(feedback?.textContent).toBe(''); }, { timeout: 4000 });
  });

  it('says beside the button when the browser refuses to copy (fault injected: the clipboard refuses)', async () => {
    const { user, toggle, panel } = await openApp();
    vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new DOMException('Write permission denied.', 'NotAllowedError'));
    await user.click(toggle);
    const copy = within(panel).getByRole('button', { name: 'Copy session id' });
    await user.click(copy);
    expect(copy.parentElement?.textContent).toContain('Not copied: select it and copy it instead');
  });

  it('closes on Escape with the focus back on its button, and on a click elsewhere', async () => {
    const { user, toggle, panel } = await openApp();
    await user.click(toggle);
    await user.keyboard('{Escape}');
    expect(panel.hidden).toBe(true);
    expect(document.activeElement).toBe(toggle);

    await user.click(toggle);
    expect(panel.hidden).toBe(false);
    await user.click(screen.getByTestId('chat-input'));
    expect(panel.hidden).toBe(true);
  });

  it('stays open under the reset question, so that cancelling it returns to the reset button', async () => {
    const { user, toggle, panel } = await openApp();
    await user.click(toggle);
    await user.click(within(panel).getByTestId('reset-button'));
    await user.click(screen.getByRole('button', { name: 'Keep this session' }));
    expect(panel.hidden).toBe(false);
    expect(document.activeElement).toBe(within(panel).getByTestId('reset-button'));
  });
});
