import type { Page } from 'playwright-core';

/**
 * Collects console errors and uncaught exceptions of every page it watches. Lines a test provokes
 * on purpose (the browser's own report of a refused request, or of a server it took down) can be
 * allowed for the span of that step; anything else, and anything the app itself logs, counts.
 */
export class ConsoleWatch {
  private readonly errors: string[] = [];
  private allowed: RegExp | undefined;

  watch(page: Page, name: string): Page {
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      if (this.allowed?.test(message.text())) return;
      this.errors.push(`${name}: ${message.text()}`);
    });
    page.on('pageerror', (error) => this.errors.push(`${name}: uncaught ${error.message}`));
    return page;
  }

  async allowing<T>(expected: RegExp, run: () => Promise<T>): Promise<T> {
    this.allowed = expected;
    try {
      return await run();
    } finally {
      this.allowed = undefined;
    }
  }

  /** The errors seen since the last call. */
  take(): string[] {
    return this.errors.splice(0);
  }
}

/** What Chromium itself logs when a request or socket cannot reach the server. */
export const NETWORK_FAILURE = /net::ERR_CONNECTION_REFUSED|net::ERR_CONNECTION_RESET|net::ERR_EMPTY_RESPONSE|WebSocket connection to '.*' failed/;
