import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, useBrowserApp } from './support/browser-app.js';
import { sessionIdOf } from './support/tab-actions.js';

const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
/** What Chromium logs for the refused call a wrong token makes. */
const REFUSED_TOKEN = /status of 401/;

describe('the admin page in a real browser', () => {
  const app = useBrowserApp('admin', { dataDirPrefix: 'tabsync-admin-e2e-', env: { ADMIN_TOKEN }, build: 'normal' });
  let admin: Page;

  beforeAll(async () => {
    admin = await app.watchedPage(await app.browser.newContext({ viewport: { width: 1280, height: 800 } }), 'admin');
  });

  it('asks for the token, refuses a wrong one and opens with the right one', async () => {
    await admin.goto(`${app.server.url}/admin`);
    const input = admin.getByTestId('admin-token-input');
    // Chromium reports each refused request in the console, sometimes after the page has shown the
    // refusal: the 401s are allowed for the whole test, which ends long after the last of them.
    await app.consoleWatch.allowing(REFUSED_TOKEN, async () => {
      await input.fill('a-wrong-token-for-this-server');
      await admin.getByTestId('admin-token-submit').click();
      await admin.getByTestId('admin-error').filter({ hasText: 'admin token is wrong' }).waitFor();
      await input.fill(ADMIN_TOKEN);
      await admin.getByTestId('admin-token-submit').click();
      await admin.getByTestId('admin-tail-status').filter({ hasText: 'Live' }).waitFor();
      await admin.getByTestId('admin-sessions').waitFor();
      expect(await admin.getByTestId('admin-dashboard-link').getAttribute('href')).toBe('/admin/queues');
      // The token was asked once: a reload of the tab keeps it.
      await admin.reload();
      await admin.getByTestId('admin-tail-status').filter({ hasText: 'Live' }).waitFor();
      expect(await admin.getByTestId('admin-token-input').count()).toBe(0);
    });
  });

  it('shows the audit row of a session generated in another browser as it happens', async () => {
    await admin.getByTestId('admin-tail-status').filter({ hasText: 'Live' }).waitFor();
    const visitor = await app.watchedPage(await app.browser.newContext(), 'visitor');
    try {
      await visitor.goto(app.server.url);
      const sessionId = await sessionIdOf(visitor);
      const row = admin.locator(`[data-testid="audit-row"][data-event="session.generated"][data-session-id="${sessionId}"]`);
      await row.waitFor();
      expect(await row.textContent()).toContain('success');
      await admin.screenshot({ path: path.join(ARTIFACTS, 'admin-page.png') });
    } finally {
      await visitor.context().close();
    }
  });

  it('forgets the token on sign-out', async () => {
    await admin.getByTestId('admin-sign-out').click();
    await admin.getByTestId('admin-token-input').waitFor();
    await admin.reload();
    await admin.getByTestId('admin-token-input').waitFor();
  });
});
