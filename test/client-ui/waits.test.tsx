import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { toast } from 'react-hot-toast';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeApiServer } from '../support/fake-api-server.js';
import { toastTexts } from './support/render-app.js';
import { renderScreens } from './support/render-screens.js';

afterEach(() => {
  cleanup();
  toast.remove();
  localStorage.clear();
});

/** The seconds the rate-limit toast says are left, or undefined while it shows none. */
function secondsShown(): number | undefined {
  const text = toastTexts().find((t) => t.startsWith('Too many requests from this network.'));
  const match = /Trying again in (\d+) s…/.exec(text ?? '');
  return match ? Number(match[1]) : undefined;
}

describe('a wait the server asks for', () => {
  it('is waited out over the app’s skeleton, with a wait that counts down, then the app opens (fault injected: one 429 on session.validate)', async () => {
    const server = new FakeApiServer();
    server.addSession();
    server.failNext('session.validate', { code: 'TOO_MANY_REQUESTS', message: 'Too many requests from your network. Please wait 3 seconds and try again.', retryAfterSeconds: 3 });
    renderScreens({ server });

    const skeleton = await screen.findByTestId('app-skeleton');
    // The layout of the app, with its panels named, not blank cards.
    expect(within(skeleton).getByText('Conversation')).toBeDefined();
    expect(within(skeleton).getByText('Files')).toBeDefined();
    expect(skeleton.querySelectorAll('.skeleton').length).toBeGreaterThanOrEqual(3);

    await waitFor(() => { expect(secondsShown()).toBe(3); });
    await waitFor(() => { expect(secondsShown()).toBe(2); }, { timeout: 2500 });
    await waitFor(() => { expect(secondsShown()).toBe(1); }, { timeout: 2500 });
    await screen.findByRole('textbox', { name: 'Message' }, { timeout: 3000 });
    expect(screen.queryByTestId('app-skeleton')).toBeNull();
    expect(server.callsOf('session.validate')).toBe(2);
  });
});

describe('a server that does not answer', () => {
  it('is said over the app’s skeleton while the tab keeps trying, then the app opens (fault injected: two failed fetches of session.validate)', async () => {
    const server = new FakeApiServer();
    server.addSession();
    server.failNext('session.validate', 'network', 2);
    renderScreens({ server });

    const skeleton = await screen.findByTestId('app-skeleton');
    const notice = await within(skeleton).findByTestId('unreachable');
    expect(notice.textContent).toBe('Tabsync cannot be reachedThis tab keeps trying, and opens your session as soon as the server answers.');
    expect(within(skeleton).getByRole('status').textContent).toBe('Tabsync cannot be reached yet: still trying.');
    expect(skeleton.querySelector('.messages-loading')).toBeNull();

    await screen.findByRole('textbox', { name: 'Message' }, { timeout: 8000 });
    expect(screen.queryByTestId('unreachable')).toBeNull();
    expect(server.callsOf('session.validate')).toBe(1);
  });
});
