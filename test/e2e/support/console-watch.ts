import type { Page } from 'playwright-core';

/** What Chromium itself logs when a request or socket cannot reach the server. */
const NETWORK_FAILURE = /net::ERR_CONNECTION_REFUSED|net::ERR_CONNECTION_RESET|net::ERR_EMPTY_RESPONSE|WebSocket connection to '.*' failed/;

/**
 * Collects console errors and uncaught exceptions of every page it watches. While the test has
 * taken the server down on purpose, the browser's own lines about failed connections are expected
 * and set aside; anything the app itself logs still counts.
 */
export class ConsoleWatch {
  private readonly errors: string[] = [];
  private outage = false;

  watch(page: Page, name: string): Page {
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      if (this.outage && NETWORK_FAILURE.test(message.text())) return;
      this.errors.push(`${name}: ${message.text()}`);
    });
    page.on('pageerror', (error) => this.errors.push(`${name}: uncaught ${error.message}`));
    return page;
  }

  async duringOutage<T>(run: () => Promise<T>): Promise<T> {
    this.outage = true;
    try {
      return await run();
    } finally {
      this.outage = false;
    }
  }

  /** The errors seen since the last call. */
  take(): string[] {
    return this.errors.splice(0);
  }
}
