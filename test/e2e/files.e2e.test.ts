import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, useBrowserApp } from './support/browser-app.js';
import { waitForConnection, waitForFile } from './support/tab-actions.js';

const LAPTOP = { width: 1280, height: 800 };
const MAX_UPLOAD_BYTES = 8 * 1024 * 1024;
/** A Windows program's first bytes ("MZ"), padded: the upload worker refuses it whatever its name. */
const PE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), randomBytes(4096)]);
/** An 8×8 PNG (red). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC',
  'base64',
);

describe('files in a real browser', () => {
  const app = useBrowserApp('files', { dataDirPrefix: 'tabsync-e2e-files-', build: 'normal', env: { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) } });
  let home: BrowserContext;
  let tabOne: Page;
  let tabTwo: Page;

  async function openTab(name: string): Promise<Page> {
    const page = await app.openTab(home, name);
    await waitForConnection(page, 'connected');
    return page;
  }

  /** Pictures of the panel's states, for people to look at (not compared). */
  const picture = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), animations: 'disabled' });
  const refusal = (page: Page, name: string) => page.getByTestId('file-refusals').locator('li', { hasText: name });
  const fileRow = (page: Page, name: string) => page.getByTestId('file-list').locator('li', { hasText: name });

  beforeAll(async () => {
    home = await app.browser.newContext({ viewport: LAPTOP });
    tabOne = await openTab('tab one');
    tabTwo = await openTab('tab two');
  });

  it('shows an upload’s progress in the other tab while the bytes travel', async () => {
    // The sending tab's upload slowed to 1 MB/s, so that there is progress to see.
    const network = await home.newCDPSession(tabOne);
    await network.send('Network.enable');
    await network.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 1024 * 1024 });
    try {
      await tabOne.getByTestId('file-input').setInputFiles({ name: 'slow.bin', mimeType: 'application/octet-stream', buffer: randomBytes(6 * 1024 * 1024) });
      const elsewhere = tabTwo.locator('.upload-row[data-upload="other-tab"]', { hasText: 'slow.bin' });
      await elsewhere.getByText(/^Uploading in another tab · \d+% of 6\.3 MB$/).waitFor({ timeout: 10_000 });
      await picture(tabTwo, 'files-upload-in-another-tab');
      const shown = Number(await elsewhere.getByRole('progressbar').getAttribute('value'));
      expect(shown).toBeGreaterThanOrEqual(0);
      expect(shown).toBeLessThan(100);
      // It moves on in the other tab as it does in this one.
      await expect.poll(async () => Number(await elsewhere.getByRole('progressbar').getAttribute('value')), { timeout: 10_000 }).toBeGreaterThan(shown);
    } finally {
      await network.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await network.detach();
    }
    await waitForFile(tabTwo, 'slow.bin', 'stored');
    await waitForFile(tabOne, 'slow.bin', 'stored');
    expect(await tabTwo.locator('.upload-row', { hasText: 'slow.bin' }).count()).toBe(0);
  }, 60_000);

  it('shows a refused program as a notice with its reason, specific after a reload, until it is dismissed in any tab', async () => {
    await tabOne.getByTestId('file-input').setInputFiles({ name: 'big.exe', mimeType: 'application/x-msdownload', buffer: PE });
    await refusal(tabTwo, 'big.exe').getByText('a Windows program (PE)').waitFor();
    await refusal(tabOne, 'big.exe').getByText('was refused').waitFor();
    await picture(tabOne, 'files-refusal-notice');
    // A notice, not a file of the session.
    expect(await fileRow(tabOne, 'big.exe').count()).toBe(0);

    await tabTwo.reload();
    await waitForConnection(tabTwo, 'connected');
    await refusal(tabTwo, 'big.exe').getByText('Programs cannot be shared here: this file is a Windows program (PE), whatever its name says.').waitFor();

    await tabTwo.getByRole('button', { name: 'Dismiss the notice about big.exe' }).click();
    await refusal(tabOne, 'big.exe').waitFor({ state: 'detached' });
    await tabOne.reload();
    await waitForConnection(tabOne, 'connected');
    await tabOne.getByText('No files yet').or(tabOne.getByTestId('file-list').locator('li').first()).waitFor();
    expect(await refusal(tabOne, 'big.exe').count()).toBe(0);
  });

  it('takes a removal back with Undo from another tab, and removes it for good without', async () => {
    await tabOne.getByTestId('file-input').setInputFiles({ name: 'keep-me.txt', mimeType: 'text/plain', buffer: Buffer.from('Worth keeping.\n') });
    await waitForFile(tabTwo, 'keep-me.txt', 'stored');

    await tabOne.getByRole('button', { name: 'Remove keep-me.txt' }).click();
    await fileRow(tabOne, 'keep-me.txt').waitFor({ state: 'detached' });
    await fileRow(tabTwo, 'keep-me.txt').waitFor({ state: 'detached' });
    const toastInTwo = tabTwo.locator('.undo-toast', { hasText: 'keep-me.txt' });
    await toastInTwo.waitFor();
    await picture(tabTwo, 'files-undo-removal');
    await tabOne.locator('.undo-toast', { hasText: 'keep-me.txt' }).waitFor();
    await toastInTwo.getByRole('button', { name: 'Undo' }).click();
    await waitForFile(tabOne, 'keep-me.txt', 'stored');
    await waitForFile(tabTwo, 'keep-me.txt', 'stored');
    // Past the window, and after a reload (what the server holds): still there.
    await tabOne.waitForTimeout(7000);
    await tabOne.reload();
    await waitForFile(tabOne, 'keep-me.txt', 'stored');

    await tabOne.getByRole('button', { name: 'Remove keep-me.txt' }).click();
    await fileRow(tabTwo, 'keep-me.txt').waitFor({ state: 'detached' });
    await tabTwo.locator('.undo-toast', { hasText: 'keep-me.txt' }).waitFor({ state: 'detached', timeout: 10_000 });
    await tabTwo.reload();
    await waitForConnection(tabTwo, 'connected');
    expect(await fileRow(tabTwo, 'keep-me.txt').count()).toBe(0);
  }, 60_000);

  it('shows a stored image’s thumbnail under the page’s CSP, from a file dropped anywhere on the page', async () => {
    const violations: string[] = [];
    await tabTwo.exposeFunction('reportViolation', (text: string) => { violations.push(text); });
    await tabTwo.evaluate(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        void (window as unknown as { reportViolation: (text: string) => Promise<void> }).reportViolation(`${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    // Dropped on the conversation, far from the files panel.
    const dataTransfer = await tabOne.evaluateHandle((base64) => {
      const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], 'photo.png', { type: 'image/png' }));
      return transfer;
    }, PNG.toString('base64'));
    const conversation = tabOne.getByTestId('message-list');
    await conversation.dispatchEvent('dragenter', { dataTransfer });
    await tabOne.getByText('Drop to upload').waitFor();
    await conversation.dispatchEvent('drop', { dataTransfer });
    await tabOne.getByText('Drop to upload').waitFor({ state: 'detached' });

    await waitForFile(tabTwo, 'photo.png', 'stored');
    const thumbnail = fileRow(tabTwo, 'photo.png').locator('img.file-thumbnail');
    await expect.poll(() => thumbnail.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth), { timeout: 10_000 }).toBe(8);
    expect(await thumbnail.getAttribute('src')).toMatch(/^\/api\/files\/[0-9a-f-]{36}\?inline=1$/);
    expect(violations).toEqual([]);
    await picture(tabTwo, 'files-thumbnail');
  });
});
