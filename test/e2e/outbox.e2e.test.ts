import path from 'node:path';
import type { BrowserContext, Page, Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chatPageSchema } from '../../src/shared/chat.js';
import { TRPC_PATH } from '../../src/shared/paths.js';
import { ARTIFACTS, useBrowserApp } from './support/browser-app.js';
import { NETWORK_FAILURE } from './support/console-watch.js';
import { sendMessage, sessionIdOf, waitForConnection } from './support/tab-actions.js';

const LAPTOP = { width: 1280, height: 800 };
const SYNC_TIMEOUT_MS = 20_000;

/** A message the page shows as stored: neither waiting in the outbox nor refused. */
function storedMessage(page: Page, text: string) {
  return page.getByTestId('message-list').locator('li.message:not([data-testid])').filter({ has: page.locator('.message-text', { hasText: text }) });
}

function pendingMessage(page: Page, text: string) {
  return page.getByTestId('message-pending').filter({ hasText: text });
}

/** How many times the page shows a message with this text, in whatever state. */
function shownTimes(page: Page, text: string): Promise<number> {
  return page.getByTestId('message-list').locator('.message-text', { hasText: text }).count();
}

/**
 * Keeps a copy of every page resource (not the API) the browser fetched, and serves it when the
 * server cannot be reached: the page reloads as it would from the browser's cache or an installed
 * app, while every API call really finds the server down.
 */
async function keepPageCopies(context: BrowserContext): Promise<void> {
  const copies = new Map<string, { status: number; headers: Record<string, string>; body: Buffer }>();
  await context.route((url) => !url.pathname.startsWith('/api/'), async (route: Route) => {
    const url = route.request().url();
    try {
      const response = await route.fetch();
      const body = await response.body();
      copies.set(url, { status: response.status(), headers: response.headers(), body });
      await route.fulfill({ response, body });
    } catch {
      const copy = copies.get(url);
      if (copy) await route.fulfill(copy);
      else await route.abort('connectionrefused');
    }
  });
}

describe('reloads and the outbox in a real browser', () => {
  const app = useBrowserApp('outbox', {
    dataDirPrefix: 'tabsync-e2e-outbox-',
    build: 'normal',
    // The documented default, which 30 reloads would have spent three times over.
    env: { RATE_LIMIT_PER_MINUTE: '10' },
  });

  it('stays in the session through 30 reloads in a minute, from one address', async () => {
    const context = await app.browser.newContext({ viewport: LAPTOP });
    const page = await app.openTab(context, 'reloading');
    const sessionId = await sessionIdOf(page);
    await waitForConnection(page, 'connected');
    for (let reload = 1; reload <= 30; reload += 1) {
      await page.reload();
      expect(await sessionIdOf(page)).toBe(sessionId);
    }
    await waitForConnection(page, 'connected');
    expect(await page.getByText('Too many requests').count()).toBe(0);
    await context.close();
  }, 120_000);

  it('keeps a message written while the server is down across a reload, and delivers it exactly once when the server is back', async () => {
    // A page Playwright serves counts as a public one to Chromium, which asks before it lets such a page reach 127.0.0.1.
    const context = await app.browser.newContext({ viewport: LAPTOP, permissions: ['local-network-access'] });
    await keepPageCopies(context);
    const tabOne = await app.openTab(context, 'outbox tab one');
    const sessionId = await sessionIdOf(tabOne);
    const tabTwo = await app.openTab(context, 'outbox tab two');
    expect(await sessionIdOf(tabTwo)).toBe(sessionId);
    await Promise.all([waitForConnection(tabOne, 'connected'), waitForConnection(tabTwo, 'connected')]);
    const text = 'Written while the server was down';

    await app.consoleWatch.allowing(NETWORK_FAILURE, async () => {
      await app.server.stop();
      await Promise.all([waitForConnection(tabOne, 'offline'), waitForConnection(tabTwo, 'offline')]);

      await sendMessage(tabOne, text);
      await pendingMessage(tabOne, text).waitFor({ timeout: 2_000 });
      // The other tab of the browser shows it waiting too.
      await pendingMessage(tabTwo, text).waitFor({ timeout: SYNC_TIMEOUT_MS });
      expect(await tabOne.getByTestId('chat-input').inputValue()).toBe('');
      await tabOne.reload();
      await pendingMessage(tabOne, text).waitFor({ timeout: SYNC_TIMEOUT_MS });
      await tabOne.screenshot({ path: path.join(ARTIFACTS, 'laptop-offline-pending.png'), animations: 'disabled' });

      await app.server.start();
      await storedMessage(tabOne, text).waitFor({ timeout: SYNC_TIMEOUT_MS });
      await storedMessage(tabTwo, text).waitFor({ timeout: SYNC_TIMEOUT_MS });
    });

    const input = encodeURIComponent(JSON.stringify({ sessionId }));
    const answer: unknown = await (await context.request.get(`${app.server.url}${TRPC_PATH}/chat.list?input=${input}`)).json();
    const { messages } = chatPageSchema.parse((answer as { result: { data: unknown } }).result.data);
    expect(messages.filter((message) => message.text === text)).toHaveLength(1);
    for (const tab of [tabOne, tabTwo]) {
      expect(await shownTimes(tab, text)).toBe(1);
      expect(await tab.getByTestId('message-pending').count()).toBe(0);
      expect(await tab.getByText('Failed to fetch').count()).toBe(0);
    }
    await context.close();
  }, 120_000);
});
