/**
 * Reconnect delays: 0.5 s doubling to 5 s, with jitter so a restarted server is not hit by every
 * browser at once. Only one tab per browser reconnects, so a short ceiling costs the server little
 * and brings the tabs back within seconds of a restart.
 */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(5_000, 500 * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
