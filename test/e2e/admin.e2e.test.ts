import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { AppServer } from './support/app-server.js';
import { buildClient } from './support/build-client.js';
import { launchChromium } from './support/chromium.js';
import { ConsoleWatch } from './support/console-watch.js';
import { claimPrivateRedis } from './support/private-redis.js';
import { sessionIdOf } from './support/tab.js';

const ARTIFACTS = path.resolve('test/e2e/artifacts');
const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
/** What Chromium logs for the refused call a wrong token makes. */
const REFUSED_TOKEN = /status of 401/;

describe('the admin page in a real browser', () => {
  let server: AppServer;
  let browser: Browser;
  let admin: Page;
  const consoleWatch = new ConsoleWatch();
  const teardown: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'tabsync-admin-e2e-'));
    teardown.push(() => rm(dataDir, { recursive: true, force: true }));
    await mkdir(ARTIFACTS, { recursive: true });
    const redis = await claimPrivateRedis(inject('redisUrl'));
    teardown.push(() => redis.release());
    server = new AppServer({
      ...process.env,
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      S3_BUCKET: '',
      REDIS_URL: redis.url,
      RATE_LIMIT_PER_MINUTE: '1000',
      ADMIN_TOKEN,
      VITE_DEV_CONTROLS: 'true',
    });
    teardown.push(() => server.stop());
    browser = await launchChromium();
    teardown.push(() => browser.close());
    await buildClient();
    await server.start();
    admin = consoleWatch.watch(await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage(), 'admin');
  }, 120_000);

  afterAll(async () => {
    for (const undo of teardown.reverse()) await undo();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') {
      await admin.screenshot({ path: path.join(ARTIFACTS, 'failed-admin.png') });
      console.error(`The server's last lines:\n${server.log()}`);
    }
    expect(consoleWatch.take(), 'console errors').toEqual([]);
  });

  it('asks for the token, refuses a wrong one and opens with the right one', async () => {
    await admin.goto(`${server.url}/admin`);
    const input = admin.getByTestId('admin-token-input');
    // Chromium reports each refused request in the console, sometimes after the page has shown the
    // refusal: the 401s are allowed for the whole test, which ends long after the last of them.
    await consoleWatch.allowing(REFUSED_TOKEN, async () => {
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
    const visitor = consoleWatch.watch(await (await browser.newContext()).newPage(), 'visitor');
    try {
      await visitor.goto(server.url);
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
