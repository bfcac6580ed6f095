import { useEffect, useState } from 'react';

/** Whole seconds from `now` until `until` (ms since the epoch), never below zero. */
export function secondsUntil(until: number, now: number = Date.now()): number {
  return Math.max(0, Math.ceil((until - now) / 1000));
}

/**
 * The seconds left until `until`, counting down: the component re-renders as each second passes
 * (on the second's edge, so the number never lags), and stops at zero.
 */
export function useSecondsLeft(until: number): number {
  const [, tick] = useState(0);
  const left = secondsUntil(until);
  useEffect(() => {
    if (left === 0) return;
    const msToNextSecond = (until - Date.now()) % 1000 || 1000;
    const timer = setTimeout(() => { tick((n) => n + 1); }, msToNextSecond);
    return () => { clearTimeout(timer); };
  }, [until, left]);
  return left;
}
