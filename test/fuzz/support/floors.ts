/**
 * How many requests (or WebSocket messages) each fuzz file must send at the least. Each file
 * asserts its own floor, and the floors add up to the 10,000 the suite promises (floors.test.ts).
 * A file's property runs in rounds until its floor is sent (itFuzzes), whatever sizes the seeds give
 * its batches.
 */
export const FLOORS = {
  trpcHttp: 3000,
  httpRoutes: 2500,
  rawRequests: 2000,
  websocket: 2500,
} as const;

export const SUITE_FLOOR = 10_000;
