/**
 * The slow line of the page-load goals, for DevTools' Network.emulateNetworkConditions: 1.6 Mbps
 * down, 750 kbps up (in bytes per second), 150 ms of latency. The browser test of the first visit
 * and `npm run bench -- page` use the same.
 */
export const SLOW_LINE = { offline: false, latency: 150, downloadThroughput: 1_600_000 / 8, uploadThroughput: 750_000 / 8 };
