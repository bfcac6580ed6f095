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
  // The tick is a dependency so that a timer firing a hair early (Node's timers and `Date.now`
  // round differently) schedules the next one instead of leaving the number frozen.
  const [ticks, tick] = useState(0);
  const left = secondsUntil(until);
  useEffect(() => {
    if (left === 0) return;
    const msToNextSecond = (until - Date.now()) % 1000 || 1000;
    const timer = setTimeout(() => { tick((n) => n + 1); }, msToNextSecond);
    return () => { clearTimeout(timer); };
  }, [until, left, ticks]);
  return left;
}
