import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { act } from 'react';
import { toast } from 'react-hot-toast';
import { afterEach, describe, expect, it } from 'vitest';
import { useSessionState } from '../../src/client/session/index.js';
import { renderScreens } from './support/render-screens.js';

afterEach(() => {
  cleanup();
  toast.remove();
});

const resetButton = () => screen.getByTestId('reset-button');

async function openConfirmation() {
  const app = renderScreens();
  await waitFor(() => { expect(resetButton()).toHaveProperty('textContent', 'Reset session'); });
  // The reset is in the session menu.
  await app.user.click(screen.getByRole('button', { name: 'Session' }));
  await app.user.click(resetButton());
  const dialog = screen.getByRole('alertdialog', { name: 'Reset this session?' });
  return { ...app, dialog };
}

describe('SessionResetModal', () => {
  it('opens with focus on the harmless choice and keeps Tab and Shift+Tab inside', async () => {
    const { user, dialog } = await openConfirmation();
    const keep = within(dialog).getByRole('button', { name: 'Keep this session' });
    const confirm = within(dialog).getByRole('button', { name: 'Reset session' });
    expect(document.activeElement).toBe(keep);
    await user.tab();
    expect(document.activeElement).toBe(confirm);
    await user.tab();
    expect(document.activeElement).toBe(keep);
    await user.tab({ shift: true });
    expect(document.activeElement).toBe(confirm);
    await user.tab({ shift: true });
    expect(document.activeElement).toBe(keep);
  });

  it('cancels: the dialog closes, the session stays and focus returns to the reset button', async () => {
    const { user, server, session } = await openConfirmation();
    await user.click(screen.getByRole('button', { name: 'Keep this session' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(document.activeElement).toBe(resetButton());
    expect(screen.getByTestId('session-id').textContent).toBe(session.sessionId);
    expect(server.callsOf('session.reset')).toBe(0);
  });

  it('closes on Escape, and focus returns to the reset button', async () => {
    const { user, server } = await openConfirmation();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(document.activeElement).toBe(resetButton());
    expect(server.callsOf('session.reset')).toBe(0);
  });

  it('confirms: the tab shows the reset under way, then the new session, with focus back on the reset button', async () => {
    const { user, server, session, dialog } = await openConfirmation();
    const release = server.hold('session.reset');
    await user.click(within(dialog).getByRole('button', { name: 'Reset session' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    await waitFor(() => { expect(resetButton().textContent).toBe('Resetting…'); });
    expect(resetButton().getAttribute('aria-disabled')).toBe('true');
    expect(document.activeElement).toBe(resetButton());

    act(() => { release(); });
    await waitFor(() => { expect(screen.getByTestId('session-id').textContent).not.toBe(session.sessionId); });
    expect(resetButton().textContent).toBe('Reset session');
    expect(server.callsOf('session.reset')).toBe(1);
    expect(server.sessions.has(screen.getByTestId('session-id').textContent)).toBe(true);
  });
});

/** Every status this tab's screens were rendered with, in order. */
function StatusHistory({ into }: { into: string[] }) {
  const { status } = useSessionState();
  if (into.at(-1) !== status) into.push(status);
  return null;
}

describe('the tab that resets', () => {
  it('goes from resetting to the new session without the ended screen, though the server announces the reset first', async () => {
    const seen: string[] = [];
    const { user, server, events, session } = renderScreens({ extra: <StatusHistory into={seen} /> });
    await waitFor(() => { expect(events.isSubscribed(session.sessionId)).toBe(true); });
    const release = server.hold('session.reset');
    await user.click(screen.getByRole('button', { name: 'Session' }));
    await user.click(resetButton());
    await user.click(screen.getByTestId('confirm-reset'));
    await waitFor(() => { expect(seen.at(-1)).toBe('resetting'); });
    // As the real server does: the old session's stream hears the reset, then refuses the old session.
    act(() => {
      events.emit(session.sessionId, { type: 'session.reset', sessionId: session.sessionId, newSessionId: crypto.randomUUID(), at: new Date().toISOString() });
      events.end(session.sessionId, { kind: 'denied', reason: 'reset', message: 'This session was reset.' });
    });
    act(() => { release(); });
    await waitFor(() => { expect(screen.getByTestId('session-id').textContent).not.toBe(session.sessionId); });
    expect(seen).toEqual(['loading', 'active', 'resetting', 'active']);
    expect(screen.queryByText('Moving to the new session…')).toBeNull();
  });
});
