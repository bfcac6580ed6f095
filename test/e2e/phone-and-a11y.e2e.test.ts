import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seriousFindings } from './support/axe.js';
import { ARTIFACTS, useBrowserApp } from './support/browser-app.js';
import { openSessionMenu, sendMessage, sessionIdOf, waitForConnection, waitForFile, waitForMessage } from './support/tab-actions.js';

/** Waits until the files list shows a file of this name, in any state. */
const waitFor = (page: Page, name: string) => page.getByTestId('file-list').locator('li', { hasText: name }).first().waitFor();

const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };
/** The least size of a control a finger taps (WCAG 2.5.5, and the goal). */
const TAP = 44;
const UPDATE_README_SCREENSHOTS = process.env.UPDATE_SCREENSHOT === '1';

async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled' });
  return file;
}

/** The interactive elements a person can see in the window, with their size. */
function visibleControls(page: Page): Promise<{ what: string; width: number; height: number }[]> {
  return page.evaluate(() => {
    const selector = 'button, a[href], input:not([type="hidden"]), textarea, select, summary, label[for], [role="button"], [tabindex]:not([tabindex="-1"])';
    return [...document.querySelectorAll<HTMLElement>(selector)]
      .filter((element) => {
        const box = element.getBoundingClientRect();
        const style = getComputedStyle(element);
        // Visually hidden (a file input behind its label, which is measured; a field's label for screen readers).
        const hidden = box.width <= 1 && box.height <= 1;
        // The message list is a scrolling region made focusable for keyboards, not a control to tap.
        const region = element.getAttribute('role') === 'log';
        const inView = box.bottom > 0 && box.right > 0 && box.top < innerHeight && box.left < innerWidth;
        return !hidden && !region && inView && style.visibility !== 'hidden';
      })
      .map((element) => {
        const box = element.getBoundingClientRect();
        const name = element.getAttribute('aria-label') ?? element.textContent.trim().slice(0, 30);
        return { what: `${element.tagName.toLowerCase()} "${name}"`, width: Math.round(box.width), height: Math.round(box.height) };
      });
  });
}

/** Waits, the pointer resting nowhere, until every animation that ends has ended and the page has drawn twice since. */
async function settled(page: Page): Promise<void> {
  await page.mouse.move(0, 0);
  await page.evaluate(async () => {
    const ending = document.getAnimations().filter((animation) => animation.effect?.getTiming().iterations !== Infinity);
    // A transition cut short by another change is cancelled: that counts as ended too.
    await Promise.all(ending.map((animation) => animation.finished.catch(() => undefined)));
    await new Promise((resolve) => { requestAnimationFrame(() => { requestAnimationFrame(resolve); }); });
  });
}

/** Elements that scroll (their content is taller than they are, and they let it scroll), the page included. */
function scrollingAreas(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const areas = [...document.querySelectorAll<HTMLElement>('*')].filter((element) => {
      const { overflowY } = getComputedStyle(element);
      return (overflowY === 'auto' || overflowY === 'scroll') && element.scrollHeight > element.clientHeight + 1 && element.getClientRects().length > 0;
    });
    const page = document.scrollingElement;
    const pageScrolls = page !== null && page.scrollHeight > page.clientHeight + 1;
    return [...(pageScrolls ? ['the page'] : []), ...areas.map((element) => element.className || element.tagName)];
  });
}

describe('the app as a visitor gets it (the normal build), on a laptop and a 360 × 740 phone', () => {
  const app = useBrowserApp('phone', {
    dataDirPrefix: 'tabsync-phone-e2e-',
    build: 'normal',
    env: { CHAT_RATE_LIMIT_PER_MINUTE: '1000', SESSION_MESSAGES_PER_MINUTE: '1000' },
  });
  let laptop: BrowserContext;
  let phone: BrowserContext;
  let laptopTab: Page;
  let phoneTab: Page;

  async function open(context: BrowserContext, name: string): Promise<Page> {
    const page = await app.openTab(context, name);
    await waitForConnection(page, 'connected');
    return page;
  }

  beforeAll(async () => {
    laptop = await app.browser.newContext({ viewport: LAPTOP });
    await laptop.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.server.url });
    phone = await app.browser.newContext({ viewport: PHONE, hasTouch: true, isMobile: true });
  });

  it('has no developer controls, and keeps the session id in the session menu, whole, with its copy button and feedback', async () => {
    laptopTab = await open(laptop, 'laptop');
    expect(await laptopTab.getByTestId('dev-controls').count()).toBe(0);
    const sessionId = await sessionIdOf(laptopTab);
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    // Not on the bar: the bar names the app, the connection and the menu.
    expect(await laptopTab.locator('.topbar').innerText()).not.toContain(sessionId.slice(0, 8));
    expect(await laptopTab.getByRole('heading', { level: 1 }).innerText()).toBe('Tabsync');
    expect(await laptopTab.getByTestId('session-id').isVisible()).toBe(false);

    const menu = laptopTab.getByRole('button', { name: 'Session' });
    await menu.click();
    const id = laptopTab.getByTestId('session-id');
    expect(await id.isVisible()).toBe(true);
    expect(await id.innerText()).toBe(sessionId);
    expect(await id.evaluate((element) => element.scrollWidth <= element.clientWidth)).toBe(true);
    await laptopTab.getByRole('button', { name: 'Copy session id' }).click();
    const feedback = laptopTab.getByRole('group', { name: 'This session' }).getByRole('status');
    await feedback.filter({ hasText: 'Copied' }).waitFor();
    expect(await laptopTab.evaluate(() => navigator.clipboard.readText())).toBe(sessionId);
    const button = await laptopTab.getByRole('button', { name: 'Copy session id' }).boundingBox();
    const said = await feedback.boundingBox();
    // Beside the button, not in a toast at the other end of the window.
    expect(Math.abs((said?.x ?? 0) + (said?.width ?? 0) / 2 - ((button?.x ?? 0) + (button?.width ?? 0) / 2))).toBeLessThan(60);
    expect(Math.abs((said?.y ?? 0) - ((button?.y ?? 0) + (button?.height ?? 0)))).toBeLessThan(20);

    await laptopTab.keyboard.press('Escape');
    expect(await id.isVisible()).toBe(false);
    expect(await laptopTab.evaluate(() => document.activeElement?.textContent)).toBe('Session');
  });

  it('puts the focus in the message field on a laptop, and leaves it alone on a phone', async () => {
    const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName);
    const fresh = await open(laptop, 'laptop, reopened');
    await expect.poll(() => focused(fresh)).toBe('chat-input');
    await fresh.close();
    phoneTab = await open(phone, 'phone');
    await phoneTab.getByTestId('chat-input').waitFor();
    expect(await focused(phoneTab)).toBe('BODY');
  });

  it('reads as a conversation: a day heading, runs sharing one time without a leading zero, long messages folded', async () => {
    for (const text of ['Morning!', 'Two things today.', 'First, the notes.']) {
      await sendMessage(laptopTab, text);
      await waitForMessage(laptopTab, text);
    }
    const list = laptopTab.getByTestId('message-list');
    expect(await list.locator('.day-label').allInnerTexts()).toEqual(['Today']);
    const times = await list.locator('.message-time').evaluateAll((elements) => elements.map((element) => ({ text: element.textContent, shown: element.getBoundingClientRect().width > 1 })));
    expect(times.map((time) => time.shown)).toEqual([false, false, true]);
    for (const { text } of times) expect(text).toMatch(/^[1-9]\d?:\d\d/);

    const long = Array.from({ length: 40 }, (_, i) => `Line ${i + 1} of a long message.`).join('\n');
    await sendMessage(laptopTab, long);
    await waitForMessage(laptopTab, 'Line 40 of a long message.');
    const message = list.locator('.message', { hasText: 'Line 40 of a long message.' });
    const text = message.locator('.message-text');
    const more = message.getByRole('button', { name: 'Show more' });
    await more.waitFor();
    expect(await more.getAttribute('aria-expanded')).toBe('false');
    const folded = await text.evaluate((element) => ({ shown: element.clientHeight, whole: element.scrollHeight }));
    expect(folded.shown).toBeLessThan(folded.whole / 2);
    await more.click();
    expect(await message.getByRole('button', { name: 'Show less' }).getAttribute('aria-expanded')).toBe('true');
    expect(await text.evaluate((element) => element.scrollHeight <= element.clientHeight + 1)).toBe(true);
  });

  it('keeps the newest message in view while a tall draft grows the composer', async () => {
    const list = laptopTab.getByTestId('message-list');
    await list.evaluate((element) => { element.scrollTop = element.scrollHeight; });
    const before = await list.evaluate((element) => element.clientHeight);
    await laptopTab.getByTestId('chat-input').fill('x'.repeat(3000));
    await expect.poll(() => list.evaluate((element) => element.clientHeight)).toBeLessThan(before - 100);
    await expect.poll(() => list.evaluate((element) => Math.round(element.scrollHeight - element.scrollTop - element.clientHeight))).toBeLessThanOrEqual(1);
    await laptopTab.getByTestId('chat-input').fill('');
  });

  it('on a phone: one scroll area, the files one tap away, "Choose files" for touch, and every control at least 44 × 44 px', async () => {
    for (let n = 1; n <= 14; n += 1) {
      await sendMessage(phoneTab, `Phone message ${n}, long enough to wrap onto a second line here.`);
      await waitForMessage(phoneTab, `Phone message ${n},`);
    }
    expect(await phoneTab.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(await scrollingAreas(phoneTab)).toEqual(['message-list']);
    // The session's whole bar is one row.
    expect((await phoneTab.locator('.topbar').boundingBox())?.height).toBeLessThanOrEqual(61);

    await phoneTab.getByRole('button', { name: 'Files' }).click();
    const choose = phoneTab.getByText('Choose files', { exact: true });
    const box = await choose.boundingBox();
    expect((box?.y ?? Infinity) + (box?.height ?? 0)).toBeLessThanOrEqual(PHONE.height);
    expect(await phoneTab.getByText('Drag files here').isVisible()).toBe(false);
    await phoneTab.getByTestId('file-input').setInputFiles({ name: 'from-the-phone.txt', mimeType: 'text/plain', buffer: Buffer.from('Sent from a phone.\n') });
    await waitForFile(phoneTab, 'from-the-phone.txt', 'stored');
    expect(await scrollingAreas(phoneTab)).toEqual([]);
    await settled(phoneTab);
    const filesControls = await visibleControls(phoneTab);

    await phoneTab.getByRole('button', { name: 'Conversation' }).click();
    await phoneTab.getByLabel('Attach').setInputFiles({ name: 'attached.txt', mimeType: 'text/plain', buffer: Buffer.from('Attached.\n') });
    await phoneTab.locator('.draft-attachments', { hasText: 'attached.txt' }).waitFor();
    await openSessionMenu(phoneTab);
    await settled(phoneTab);
    const controls = [...filesControls, ...(await visibleControls(phoneTab))];
    expect(controls.length).toBeGreaterThan(8);
    expect(controls.filter((control) => control.width < TAP || control.height < TAP)).toEqual([]);
    await phoneTab.keyboard.press('Escape');
    await phoneTab.getByRole('button', { name: 'Do not attach this file' }).click();
  });

  it('has no serious or critical accessibility finding (axe-core), light and dark, laptop and phone, with the reset question open or closed', async () => {
    const findings: Record<string, unknown> = {};
    for (const [device, page] of [['laptop', laptopTab], ['phone', phoneTab]] as const) {
      // A page behind another does not render: its styles would stand still half-way through a change.
      await page.bringToFront();
      for (const colorScheme of ['light', 'dark'] as const) {
        // No transitions: the colours are checked as they are, not half-way from the other scheme.
        await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
        await settled(page);
        findings[`${device}, ${colorScheme}`] = await seriousFindings(page);
        await openSessionMenu(page);
        await settled(page);
        findings[`${device}, ${colorScheme}, session menu`] = await seriousFindings(page);
        await page.getByTestId('reset-button').click();
        await page.getByTestId('confirm-reset').waitFor();
        await settled(page);
        findings[`${device}, ${colorScheme}, reset question`] = await seriousFindings(page);
        await screenshot(page, `${device}-${colorScheme}-reset-question`);
        await page.keyboard.press('Escape');
        await page.getByTestId('confirm-reset').waitFor({ state: 'detached' });
        await page.keyboard.press('Escape');
      }
      await page.emulateMedia({ colorScheme: 'light' });
    }
    expect(Object.values(findings).every((found) => Array.isArray(found) && found.length === 0), JSON.stringify(findings, null, 2)).toBe(true);
  });

  it('paints the app\'s outline from the page itself, before any script has run', async () => {
    const page = await phone.newPage();
    // No script ever arrives: what shows is the page's own.
    await page.route('**/assets/*.js', (route) => route.abort());
    await page.goto(app.server.url);
    await page.locator('.skeleton-chat').waitFor();
    expect(await page.locator('.brand').innerText()).toBe('Tabsync');
    expect(await page.locator('.skeleton-chat').evaluate((element) => element.getBoundingClientRect().height)).toBeGreaterThan(200);
    await page.close();
  });

  it('takes the README pictures from this build: one session on a laptop and on a phone', async () => {
    const context = await app.browser.newContext({ viewport: LAPTOP });
    const desk = await open(context, 'readme laptop');
    await desk.getByTestId('file-input').setInputFiles([
      { name: 'meeting-notes.md', mimeType: 'text/markdown', buffer: Buffer.from('# Notes\n\n- Ship the phone layout\n') },
      { name: 'budget.csv', mimeType: 'text/csv', buffer: Buffer.from('item,cost\nhosting,12\n') },
    ]);
    await waitFor(desk, 'meeting-notes.md');
    for (const text of ['Picking up where we left off: the notes from this morning are in Files.', 'Every tab of this browser sees this at once, and so does the phone.']) {
      await sendMessage(desk, text);
      await waitForMessage(desk, text);
    }
    await desk.getByLabel('Attach').setInputFiles({ name: 'roadmap.txt', mimeType: 'text/plain', buffer: Buffer.from('Q1: tabs. Q2: phones.\n') });
    await desk.locator('.draft-attachments', { hasText: 'roadmap.txt' }).waitFor();
    await sendMessage(desk, 'And the roadmap, attached.');
    await desk.locator('.message', { hasText: 'And the roadmap, attached.' }).locator('a.attachment', { hasText: 'roadmap.txt' }).waitFor();
    await waitForFile(desk, 'roadmap.txt', 'stored');
    await waitForFile(desk, 'budget.csv', 'stored');
    await desk.getByTestId('chat-input').blur();
    const laptopShot = await screenshot(desk, 'readme-laptop');

    const pocket = await open(context, 'readme phone');
    await pocket.setViewportSize(PHONE);
    await waitForMessage(pocket, 'And the roadmap, attached.');
    await pocket.getByTestId('chat-input').blur();
    const phoneShot = await screenshot(pocket, 'readme-phone');
    if (UPDATE_README_SCREENSHOTS) {
      await copyFile(laptopShot, path.resolve('docs/screenshot.png'));
      await copyFile(phoneShot, path.resolve('docs/screenshot-phone.png'));
    }
    await context.close();
  });
});
