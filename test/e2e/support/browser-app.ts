import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { AppServer } from './app-server.js';
import { buildClient, builtClient, type ClientBuild } from './build-client.js';
import { launchChromium } from './chromium.js';
import { ConsoleWatch } from './console-watch.js';
import { claimTestRedisDatabase } from '../../support/redis-databases.js';

/** Where the browser tests leave their screenshots. */
export const ARTIFACTS = path.resolve('test/e2e/artifacts');

export interface BrowserAppOptions {
  /** Begins the name of the server's temporary data directory. */
  dataDirPrefix: string;
  /** The file's own settings of the server, over those every browser test needs. */
  env: Record<string, string>;
  /** The web app to serve: the normal build (a visitor's), or the one with the developer controls. */
  build: ClientBuild;
}

/**
 * What a browser test file runs against: the app as `npm start` runs it, on a data directory and
 * a Redis database of its own, a fresh client build (rebuilt before each start of the server, so
 * a restart serves it too), and a headless Chromium.
 */
export class BrowserApp {
  /** Undoes what the set-up acquired, newest first, also when the set-up stopped half-way. */
  private readonly teardown: (() => Promise<void>)[] = [];

  async start(options: BrowserAppOptions): Promise<{ server: AppServer; browser: Browser }> {
    const dataDir = await mkdtemp(path.join(tmpdir(), options.dataDirPrefix));
    this.teardown.push(() => rm(dataDir, { recursive: true, force: true }));
    await mkdir(ARTIFACTS, { recursive: true });
    const redis = await claimTestRedisDatabase();
    this.teardown.push(() => redis.release());
    let built = false;
    const server = new AppServer({
      ...process.env,
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      // Inherited settings would point the server at another database or bucket.
      DATABASE_URL: '',
      S3_BUCKET: '',
      REDIS_URL: redis.url,
      // Every tab of the run comes from one address; the budgets themselves are tested elsewhere.
      RATE_LIMIT_PER_MINUTE: '1000',
      ...options.env,
    }, async () => {
      // Built afresh at the first start; a restart builds again only if another file's build replaced it.
      if (!built || (await builtClient()) !== options.build) await buildClient(options.build);
      built = true;
    });
    this.teardown.push(() => server.stop());
    const browser = await launchChromium();
    this.teardown.push(() => browser.close());
    await server.start();
    return { server, browser };
  }

  async stop(): Promise<void> {
    for (const undo of this.teardown.splice(0).reverse()) await undo();
  }
}

export interface BrowserTest {
  readonly server: AppServer;
  readonly browser: Browser;
  /** Every watched page's console: a test ends with no error in it that it did not allow. */
  readonly consoleWatch: ConsoleWatch;
  /** A new page of `context`, watched, and pictured if a test fails while it is open. */
  watchedPage(context: BrowserContext, name: string): Promise<Page>;
  /** A watched page of `context` with the app loaded. */
  openTab(context: BrowserContext, name: string): Promise<Page>;
}

/**
 * What every browser test file sets up: a BrowserApp for the enclosing describe block, and after
 * each test its console checked for errors and, if it failed, a picture of each page it had open
 * (named after `label`, the test and the page) and the server's last lines.
 */
export function useBrowserApp(label: string, options: BrowserAppOptions): BrowserTest {
  const app = new BrowserApp();
  const consoleWatch = new ConsoleWatch();
  const pages = new Map<string, Page>();
  let started: { server: AppServer; browser: Browser } | undefined;
  const running = () => {
    if (!started) throw new Error('the browser app has not started: use it inside a hook or a test');
    return started;
  };
  beforeAll(async () => { started = await app.start(options); }, 120_000);
  afterAll(() => app.stop());
  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') {
      for (const [name, page] of pages) {
        const file = `failed-${label}-${task.name.slice(0, 40)}-${name}`.replaceAll(/[^\w-]+/g, '-');
        if (!page.isClosed()) await page.screenshot({ path: path.join(ARTIFACTS, `${file}.png`), animations: 'disabled' });
      }
      console.error(`The server's last lines:\n${running().server.log()}`);
    }
    expect(consoleWatch.take(), 'console errors').toEqual([]);
  });
  const watchedPage = async (context: BrowserContext, name: string) => {
    const page = consoleWatch.watch(await context.newPage(), name);
    pages.set(name, page);
    return page;
  };
  return {
    get server() { return running().server; },
    get browser() { return running().browser; },
    consoleWatch,
    watchedPage,
    async openTab(context, name) {
      const page = await watchedPage(context, name);
      await page.goto(running().server.url);
      return page;
    },
  };
}
