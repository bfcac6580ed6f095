import { cleanup, screen, waitFor } from '@testing-library/react';
import { toast } from 'react-hot-toast';
import { afterEach, describe, expect, it } from 'vitest';
import { useSessionState } from '../../src/client/session/index.js';
import { renderScreens } from './support/render-screens.js';

afterEach(() => {
  cleanup();
  toast.remove();
});

const doomed = { sessionId: '', thrown: [] as Error[] };

/** A screen with a bug that shows only in one session: it throws while rendering that session. */
function BrokenInFirstSession() {
  const state = useSessionState();
  if (state.status !== 'active' || state.session.sessionId !== doomed.sessionId) return null;
  const error = new Error('The conversation could not be drawn.');
  doomed.thrown.push(error);
  throw error;
}

describe('the app’s error boundary', () => {
  it('shows the fallback with both ways out and nothing of the stack, and starts a new session through the session layer', async () => {
    const app = renderScreens({ extra: <BrokenInFirstSession /> });
    doomed.sessionId = app.session.sessionId;
    const fallback = await screen.findByRole('alert');
    expect(screen.getByRole('heading', { name: 'Something went wrong' })).toBeDefined();
    expect(screen.getByRole('button', { name: 'Reload the page' })).toBeDefined();
    const stackFrames = (doomed.thrown[0]?.stack ?? '').split('\n').slice(1).map((line) => line.trim()).filter(Boolean);
    expect(stackFrames.length).toBeGreaterThan(0);
    for (const frame of stackFrames) expect(document.body.textContent).not.toContain(frame);
    expect(fallback.textContent).not.toMatch(/\bat \S+ \(/);

    await app.user.click(screen.getByRole('button', { name: 'Start a new session' }));
    await waitFor(() => { expect(screen.queryByRole('heading', { name: 'Something went wrong' })).toBeNull(); });
    expect(app.server.callsOf('session.generate')).toBe(1);
    const newId = screen.getByTestId('session-id').textContent;
    expect(newId).not.toBe(app.session.sessionId);
    expect(app.storage.read()).toBe(newId);
    await waitFor(() => { expect(app.events.isSubscribed(newId)).toBe(true); });
  });
});
