import { cleanup, screen, waitFor } from '@testing-library/react';
import { toast } from 'react-hot-toast';
import { afterEach, describe, expect, it } from 'vitest';
import { renderScreens } from './support/render-screens.js';

afterEach(() => {
  cleanup();
  toast.remove();
});

describe('toasts', () => {
  it('announce a failure from the UI politely, at the bottom centre where they leave the session badge uncovered (fault injected: a 500 on session.reset)', async () => {
    const app = renderScreens();
    app.server.failNext('session.reset', { code: 'INTERNAL_SERVER_ERROR', message: 'Something broke.' });
    await app.user.click(await screen.findByTestId('reset-button'));
    await app.user.click(await screen.findByTestId('confirm-reset'));

    const announced = await screen.findByText('The session was not reset: Something broke.');
    const live = announced.closest('[role="status"]');
    expect(live?.getAttribute('aria-live')).toBe('polite');
    // react-hot-toast places each toast in a wrapper that sits at the edge its position names.
    const placed = await waitFor(() => {
      const wrapper = [...document.querySelectorAll<HTMLElement>('[data-rht-toaster] > div')].find((el) => el.contains(announced));
      if (!wrapper) throw new Error('The toast has no place yet.');
      return wrapper;
    });
    expect(placed.style.bottom).toBe('0px');
    expect(placed.style.top).toBe('');
    expect(placed.style.justifyContent).toBe('center');
  });
});
