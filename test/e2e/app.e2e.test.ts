import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, useBrowserApp } from './support/browser-app.js';
import { NETWORK_FAILURE } from './support/console-watch.js';
import { CHAT_PAGE_SIZE, CHAT_TEXT_MAX } from '../../src/shared/limits.js';
import { openSessionMenu, sendMessage, sessionIdOf, waitForConnection, waitForFile, waitForMessage, waitForNewSession } from './support/tab-actions.js';

const LAPTOP = { width: 1280, height: 800 };
/** A small upload limit for this run, so that a file over it is quick to make. */
const MAX_UPLOAD_BYTES = 1024 * 1024;
const PHONE = { width: 360, height: 740 };

/** Screenshots of a page at rest: animations finished, whichever tab has the browser's focus. */
async function saveScreenshot(page: Page, name: string, fullPage = false): Promise<string> {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage, animations: 'disabled' });
  return file;
}

/** Where an element's top comes to rest once it has stopped moving and shows in full (a toast slides and fades in). */
async function restingTop(page: Page, element: Locator): Promise<number> {
  let top = Number.NaN;
  await expect.poll(async () => {
    const before = await element.boundingBox();
    await page.waitForTimeout(300);
    const after = await element.boundingBox();
    const opaque = (await element.evaluate((node) => getComputedStyle(node).opacity)) === '1';
    top = after?.y ?? Number.NaN;
    return before !== null && after !== null && before.y === after.y && opaque;
  }, { timeout: 5000 }).toBe(true);
  return top;
}

/**
 * Once `watcher`'s earlier toasts have gone (so that the room measured is one toast's), `remover`
 * uploads `name` and removes it; resolves to where the Undo toast comes to rest in `watcher`.
 */
async function removalToastTop(remover: Page, watcher: Page, name: string): Promise<number> {
  await watcher.locator('.toast').first().waitFor({ state: 'detached', timeout: 10_000 });
  await remover.getByTestId('file-input').setInputFiles({ name, mimeType: 'text/plain', buffer: Buffer.from('Removed at once.\n') });
  await waitForFile(remover, name, 'stored');
  await remover.getByRole('button', { name: `Remove ${name}` }).click();
  return restingTop(watcher, watcher.locator('.toast', { hasText: name }));
}

describe('the app in a real browser', () => {
  const app = useBrowserApp('app', {
    dataDirPrefix: 'tabsync-e2e-',
    // Some tests read the connection's inner state (which tab leads) in the developer controls.
    build: 'dev-controls',
    env: {
      CHAT_RATE_LIMIT_PER_MINUTE: '1000',
      SESSION_MESSAGES_PER_MINUTE: '1000',
      MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
    },
  });
  let home: BrowserContext;
  let tabOne: Page;
  let tabTwo: Page;

  beforeAll(async () => {
    home = await app.browser.newContext({ viewport: LAPTOP });
  });

  it('gives two tabs one session, and shows a message and a file from one in the other', async () => {
    tabOne = await app.openTab(home, 'tab one');
    const sessionId = await sessionIdOf(tabOne);
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    await waitForConnection(tabOne, 'connected');
    // A tab opened later joins the session, and learns that the connection is up.
    tabTwo = await app.openTab(home, 'tab two');
    expect(await sessionIdOf(tabTwo)).toBe(sessionId);
    await waitForConnection(tabTwo, 'connected');

    // Shift+Enter breaks the line; Enter sends.
    const input = tabOne.getByTestId('chat-input');
    await input.fill('Hello from tab one');
    await input.press('Shift+Enter');
    await input.pressSequentially('second line');
    await input.press('Enter');
    await waitForMessage(tabTwo, 'Hello from tab one\nsecond line');
    expect(await input.inputValue()).toBe('');

    await tabOne.getByTestId('file-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Notes shared between tabs.\n') });
    await waitForFile(tabTwo, 'notes.txt', 'stored');
    const href = await tabTwo.getByRole('link', { name: 'Download notes.txt' }).getAttribute('href');
    const download = await home.request.get(new URL(href ?? '', app.server.url).toString());
    expect(await download.text()).toBe('Notes shared between tabs.\n');

    // A file picked in the composer travels with the message and shows on it in every tab.
    await tabTwo.getByLabel('Attach').setInputFiles({ name: 'plan.md', mimeType: 'text/markdown', buffer: Buffer.from('# Plan\n') });
    await tabTwo.locator('.draft-attachments', { hasText: 'plan.md' }).waitFor();
    await sendMessage(tabTwo, 'The plan is attached');
    await tabOne.locator('.message', { hasText: 'The plan is attached' }).locator('.attachment', { hasText: 'plan.md' }).waitFor();

    await waitForFile(tabOne, 'plan.md', 'stored');
    await saveScreenshot(tabOne, 'laptop-session');
  });

  it('uploads a file dropped on the files panel', async () => {
    // What the browser hands a page when a file from the desktop is dropped on it.
    const dataTransfer = await tabTwo.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['Dropped, not picked.\n'], 'dropped.txt', { type: 'text/plain' }));
      return transfer;
    });
    const panel = tabTwo.locator('.files-panel');
    await panel.dispatchEvent('dragenter', { dataTransfer });
    await tabTwo.getByText('Drop to upload').waitFor();
    await panel.dispatchEvent('drop', { dataTransfer });
    await waitForFile(tabOne, 'dropped.txt', 'stored');
    await tabOne.getByRole('button', { name: 'Remove dropped.txt' }).click();
    await tabTwo.getByTestId('file-list').locator('li', { hasText: 'dropped.txt' }).waitFor({ state: 'detached' });
  });

  it('says why a file was not taken, in every tab, until it is dismissed in one', async () => {
    await app.consoleWatch.allowing(/status of 413/, async () => {
      await tabOne.getByTestId('file-input').setInputFiles([
        { name: 'too-big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(MAX_UPLOAD_BYTES + 1) },
        { name: 'install.sh', mimeType: 'text/x-sh', buffer: Buffer.from('#!/bin/sh\necho installing\n') },
      ]);
      await tabOne.getByTestId('file-list').locator('li', { hasText: 'too-big.bin' }).getByText('larger than the upload limit of 1 MiB').waitFor();
    });
    // The upload the server would not take shows in the other tab too; the refused program is a notice in both.
    await tabTwo.getByTestId('file-list').locator('li', { hasText: 'too-big.bin' }).getByText('larger than the upload limit of 1 MiB').waitFor();
    await tabTwo.getByTestId('file-refusals').locator('li', { hasText: 'install.sh' }).getByText('Programs cannot be shared here').waitFor();
    await tabOne.getByTestId('file-refusals').locator('li', { hasText: 'install.sh' }).waitFor();

    await tabTwo.getByRole('button', { name: 'Dismiss too-big.bin' }).click();
    await tabTwo.getByRole('button', { name: 'Dismiss the notice about install.sh' }).click();
    for (const tab of [tabOne, tabTwo]) {
      await tab.getByTestId('file-list').locator('li', { hasText: 'too-big.bin' }).waitFor({ state: 'detached' });
      await tab.locator('.refusal-notice', { hasText: 'install.sh' }).waitFor({ state: 'detached' });
    }
  });

  it('shows the character limit and will not send past it', async () => {
    const input = tabOne.getByTestId('chat-input');
    await input.fill('x'.repeat(CHAT_TEXT_MAX + 1));
    await tabOne.getByText('1 over the 4,000-character limit').waitFor();
    expect(await tabOne.getByTestId('chat-send').isDisabled()).toBe(true);
    await input.fill('');
  });

  it('lays the session out on a 360 px phone without horizontal scrolling', async () => {
    const phone = await app.openTab(home, 'phone');
    await phone.setViewportSize(PHONE);
    await waitForMessage(phone, 'The plan is attached');
    // The files are one tap away, in place of the conversation.
    await phone.getByRole('button', { name: 'Files' }).click();
    await waitForFile(phone, 'notes.txt', 'stored');
    await saveScreenshot(phone, 'phone-files');
    await phone.getByRole('button', { name: 'Conversation' }).click();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);

    // A toast floats over the bottom of the conversation: the newest message scrolls clear of it.
    const toastTop = await removalToastTop(tabOne, phone, 'toast-room.txt');
    const newest = await phone.getByTestId('message-list').locator('li.message').last().boundingBox();
    if (!newest) throw new Error('The conversation shows no message.');
    expect(newest.y + newest.height).toBeLessThanOrEqual(toastTop);
    await saveScreenshot(phone, 'phone-session');
    await saveScreenshot(phone, 'phone-session-full', true);

    // The confirmation fits the phone as well.
    await openSessionMenu(phone);
    await phone.getByTestId('reset-button').click();
    await phone.getByTestId('confirm-reset').waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await saveScreenshot(phone, 'phone-reset-confirmation');
    await phone.keyboard.press('Escape');
    await phone.getByTestId('confirm-reset').waitFor({ state: 'detached' });
    await phone.close();
  });

  it('lets the last file scroll clear of a toast on a short phone', async () => {
    const phone = await app.openTab(home, 'phone');
    // Short enough that the files column reaches below where a toast floats.
    await phone.setViewportSize({ width: PHONE.width, height: 480 });
    await phone.getByRole('button', { name: 'Files' }).click();
    await waitForFile(phone, 'notes.txt', 'stored');
    const toastTop = await removalToastTop(tabOne, phone, 'files-room.txt');
    await phone.locator('aside.sidebar').evaluate((sidebar) => { sidebar.scrollTop = sidebar.scrollHeight; });
    const last = await phone.getByTestId('file-list').locator('li').last().boundingBox();
    if (!last) throw new Error('The files column shows no file.');
    expect(last.y + last.height).toBeLessThanOrEqual(toastTop);
    await saveScreenshot(phone, 'phone-files-under-toast');
    await phone.close();
  });

  it('keeps the session across a reload', async () => {
    const sessionId = await sessionIdOf(tabTwo);
    await tabTwo.reload();
    await waitForMessage(tabTwo, 'Hello from tab one');
    expect(await sessionIdOf(tabTwo)).toBe(sessionId);
    await waitForConnection(tabTwo, 'connected');
  });

  it('offers developer controls that take this tab offline and reconnect it', async () => {
    const controls = tabOne.getByTestId('dev-controls');
    await controls.getByText('Developer controls').click();
    const simulateOffline = controls.getByRole('button', { name: 'Simulate offline' });
    await simulateOffline.click();
    await waitForConnection(tabOne, 'offline');
    await saveScreenshot(tabOne, 'laptop-developer-controls');
    await simulateOffline.click();
    await waitForConnection(tabOne, 'connected');

    await controls.getByRole('button', { name: 'Force reconnect' }).click();
    await waitForConnection(tabOne, 'connected');
    await sendMessage(tabTwo, 'Still in sync after a reconnect');
    await waitForMessage(tabOne, 'Still in sync after a reconnect');
    await controls.getByText('Developer controls').click();
  });

  it('asks before a reset, keeps focus in the question, and moves both tabs to the new session', async () => {
    const before = await sessionIdOf(tabOne);
    const resetButton = tabOne.getByTestId('reset-button');
    const dialog = tabOne.getByRole('alertdialog', { name: 'Reset this session?' });
    const focusedTestId = () => tabOne.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.textContent);

    // Escape closes it, and focus goes back to the reset button (in the session menu, which stays open).
    await openSessionMenu(tabOne);
    await resetButton.click();
    await dialog.waitFor();
    await tabOne.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await focusedTestId()).toBe('reset-button');

    // Tab and Shift+Tab stay inside; cancelling keeps the session.
    await resetButton.press('Enter');
    await dialog.waitFor();
    expect(await focusedTestId()).toBe('Keep this session');
    await tabOne.keyboard.press('Tab');
    expect(await focusedTestId()).toBe('confirm-reset');
    await tabOne.keyboard.press('Tab');
    expect(await focusedTestId()).toBe('Keep this session');
    await tabOne.keyboard.press('Shift+Tab');
    expect(await focusedTestId()).toBe('confirm-reset');
    await saveScreenshot(tabOne, 'laptop-reset-confirmation');
    await dialog.getByRole('button', { name: 'Keep this session' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await sessionIdOf(tabOne)).toBe(before);
    expect(await sessionIdOf(tabTwo)).toBe(before);

    await resetButton.click();
    await tabOne.getByTestId('confirm-reset').click();
    const after = await waitForNewSession(tabOne, before);
    expect(await waitForNewSession(tabTwo, before)).toBe(after);
    expect(await focusedTestId()).toBe('reset-button');
    await tabTwo.getByText('No messages yet').waitFor();
    await waitForConnection(tabOne, 'connected');
    await waitForConnection(tabTwo, 'connected');
    await sendMessage(tabTwo, 'First words in the new session');
    await waitForMessage(tabOne, 'First words in the new session');
  });

  it('shows the outage in both tabs while the server restarts, then recovers and keeps syncing', async () => {
    await app.consoleWatch.allowing(NETWORK_FAILURE, async () => {
      await app.server.stop();
      await Promise.all([waitForConnection(tabOne, 'offline'), waitForConnection(tabTwo, 'offline')]);
      await saveScreenshot(tabOne, 'laptop-offline');
      await app.server.start();
      await Promise.all([waitForConnection(tabOne, 'connected'), waitForConnection(tabTwo, 'connected')]);
    });
    await sendMessage(tabTwo, 'Back after the restart');
    await waitForMessage(tabOne, 'Back after the restart');
    await sendMessage(tabOne, 'And the other way round');
    await waitForMessage(tabTwo, 'And the other way round');
  }, 60_000);

  it('holds one WebSocket for three tabs of a browser', async () => {
    const context = await app.browser.newContext({ viewport: LAPTOP });
    const openSockets = new Set<string>();
    const tabs: Page[] = [];
    for (const name of ['first', 'second', 'third']) {
      const page = await app.watchedPage(context, `${name} of three`);
      // Chromium's own record of the page's sockets, attached before the page loads.
      const devtools = await context.newCDPSession(page);
      devtools.on('Network.webSocketCreated', ({ requestId }) => openSockets.add(`${name}:${requestId}`));
      devtools.on('Network.webSocketClosed', ({ requestId }) => openSockets.delete(`${name}:${requestId}`));
      await devtools.send('Network.enable');
      tabs.push(page);
    }
    // All at once, as a browser restoring its tabs opens them: they must settle on one session.
    await Promise.all(tabs.map((tab) => tab.goto(app.server.url)));
    const sessionIds = await Promise.all(tabs.map(sessionIdOf));
    expect(new Set(sessionIds).size).toBe(1);
    for (const tab of tabs) await waitForConnection(tab, 'connected');
    await expect.poll(() => openSockets.size, { timeout: 10_000 }).toBe(1);
    const leaders = await Promise.all(tabs.map((tab) => tab.getByTestId('dev-controls').getByText('Leader:').count()));
    expect(leaders.reduce((sum, count) => sum + count, 0)).toBe(1);

    const last = tabs[2];
    if (!last) throw new Error('three tabs were opened');
    await sendMessage(last, 'One socket is enough');
    for (const tab of tabs) await waitForMessage(tab, 'One socket is enough');
    expect(openSockets.size).toBe(1);
    await context.close();
  });

  it('loads older messages as the conversation is scrolled up', async () => {
    const context = await app.browser.newContext({ viewport: LAPTOP });
    const page = await app.openTab(context, 'long conversation');
    await waitForConnection(page, 'connected');
    const count = CHAT_PAGE_SIZE + 2;
    for (let n = 1; n <= count; n += 1) {
      await sendMessage(page, `Message number ${n}.`);
      await waitForMessage(page, `Message number ${n}.`);
    }
    await page.reload();
    await waitForMessage(page, `Message number ${count}.`);
    await saveScreenshot(page, 'laptop-long-conversation');
    const oldest = page.getByTestId('message-list').locator('.message-text', { hasText: 'Message number 1.' });
    expect(await oldest.count()).toBe(0);
    await page.getByTestId('message-list').evaluate((list) => { list.scrollTop = 0; });
    await oldest.waitFor();
    await context.close();
  });

  it('works when the browser refuses storage', async () => {
    const context = await app.browser.newContext({ viewport: LAPTOP });
    await context.addInitScript(() => {
      for (const name of ['localStorage', 'sessionStorage']) {
        Object.defineProperty(window, name, {
          configurable: true,
          get() {
            throw new DOMException('Storage is disabled for this site.', 'SecurityError');
          },
        });
      }
    });
    const page = await app.openTab(context, 'no storage');
    expect(await sessionIdOf(page)).toMatch(/^[0-9a-f-]{36}$/);
    await waitForConnection(page, 'connected');
    await sendMessage(page, 'No storage, no problem');
    await waitForMessage(page, 'No storage, no problem');
    await context.close();
  });
});
