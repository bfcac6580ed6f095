import { cleanup, screen, waitFor } from '@testing-library/react';
import { act } from 'react';
import { toast } from 'react-hot-toast';
import { afterEach, describe, expect, it } from 'vitest';
import { seriousFindings } from './support/axe.js';
import { renderScreens } from './support/render-screens.js';

afterEach(() => {
  cleanup();
  toast.remove();
});

describe('the screens, checked by axe-core', () => {
  it('have a main heading and no serious or critical finding: the workspace, its session menu and the reset question', async () => {
    const { user, server, session } = renderScreens();
    server.addMessage(session.sessionId, 'A message to show');
    await screen.findByTestId('chat-input');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Tabsync');
    expect(await seriousFindings()).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Session' }));
    expect(await seriousFindings()).toEqual([]);
    await user.click(screen.getByTestId('reset-button'));
    await screen.findByRole('alertdialog');
    expect(await seriousFindings()).toEqual([]);
  });

  it('have none on the screen of an ended session either', async () => {
    const { events, session } = renderScreens();
    await screen.findByTestId('chat-input');
    await waitFor(() => { expect(events.isSubscribed(session.sessionId)).toBe(true); });
    act(() => { events.emit(session.sessionId, { type: 'session.expired', sessionId: session.sessionId, at: new Date().toISOString() }); });
    await screen.findByRole('heading', { name: 'This session has ended' });
    await waitFor(async () => { expect(await seriousFindings()).toEqual([]); });
    expect(screen.getAllByRole('heading', { level: 1 }).map((heading) => heading.textContent)).toEqual(['Tabsync']);
  });
});
