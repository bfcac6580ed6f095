import { act, cleanup, renderHook } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useSecondsLeft } from '../../src/client/session/seconds-left.js';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('useSecondsLeft', () => {
  it('counts down each second to zero', () => {
    vi.useFakeTimers({ now: 0 });
    const { result } = renderHook(() => useSecondsLeft(3000));
    expect(result.current).toBe(3);
    act(() => { vi.advanceTimersByTime(1000); });
    expect(result.current).toBe(2);
    act(() => { vi.advanceTimersByTime(2000); });
    expect(result.current).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('goes on counting when a timer fires a hair before the clock reaches the second (fault injected: a lagging clock)', () => {
    // Node's timers and Date.now() round differently, so a timer can fire while Date.now() still
    // reads a millisecond short of the second it was set for.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let clock = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => clock);
    const { result } = renderHook(() => useSecondsLeft(3000));
    expect(result.current).toBe(3);

    clock = 999;
    act(() => { vi.advanceTimersByTime(1000); });
    expect(result.current).toBe(3);

    clock = 1001;
    act(() => { vi.advanceTimersByTime(5); });
    expect(result.current).toBe(2);
  });
});
