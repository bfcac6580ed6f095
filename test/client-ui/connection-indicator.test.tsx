import { cleanup, screen, waitFor } from '@testing-library/react';
import { act } from 'react';
import { toast } from 'react-hot-toast';
import { afterEach, describe, expect, it } from 'vitest';
import { renderScreens } from './support/render-screens.js';

afterEach(() => {
  cleanup();
  toast.remove();
});

describe('the connection indicator', () => {
  it('says exactly connected, connecting or offline as the live connection changes', async () => {
    const { events, session } = renderScreens();
    const status = () => screen.getByTestId('connection-status').textContent;
    expect(status()).toBe('connecting');
    await waitFor(() => { expect(events.isSubscribed(session.sessionId)).toBe(true); });
    await waitFor(() => { expect(status()).toBe('connected'); });

    const [subscription] = [...events.open];
    act(() => { subscription?.handlers.onStatus('offline'); });
    expect(status()).toBe('offline');
    act(() => { subscription?.handlers.onStatus('connecting'); });
    expect(status()).toBe('connecting');
    act(() => { subscription?.handlers.onStatus('connected'); });
    expect(status()).toBe('connected');
    // The server refuses the session for good: nothing will arrive any more.
    act(() => { events.end(session.sessionId, { kind: 'refused', message: 'Not allowed.' }); });
    expect(status()).toBe('offline');
  });
});
