/**
 * page.*: the web app's first visit on a slow line, in Chromium with its network emulated as a
 * 1.6 Mbps / 750 kbps line with 150 ms of latency (DevTools' Network.emulateNetworkConditions), a
 * new browser context (empty cache) each time:
 *  - fcp_ms: first contentful paint;
 *  - connected_ms: until the page says `connected` (session found or made, live socket open);
 *  - first_script_kb: the script bytes that travelled (compressed) until then.
 * The floor of the two times is a bare page on the same line that opens one WebSocket and says
 * `connected` (servers/page-floor.ts); the floor of the script bytes is a React page rendering one
 * paragraph, built by Vite and compressed as well as Brotli can. The normal build (no developer controls) is measured.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';
import { build as viteBuild } from 'vite';
import { buildIfStale, ROOT } from '../../scripts/dist-build.mjs';
import { SLOW_LINE } from '../../test/e2e/support/slow-line.js';
import type { Figure, FigureContext, Results } from '../lib/figure.js';
import { measure } from '../lib/figure.js';
import { forkChild, stopAll, type BenchChild } from '../lib/processes.js';
import { dropRedisPrefix, freshDataDir, freshPrefix } from '../lib/resources.js';
import { LIMITS_LIFTED, QUICK } from '../lib/settings.js';
import type { TabsyncReady } from '../servers/tabsync.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const VISITS = QUICK ? 1 : 5;

interface Visit {
  fcpMs: number;
  connectedMs: number;
  scriptBytes: number;
}

/** Notes, in the page, when it first says `connected`: no polling delay in the figure. */
function watchConnected(): void {
  const marks = window as unknown as { tabsyncConnectedAt?: number };
  new MutationObserver(() => {
    if (marks.tabsyncConnectedAt === undefined && document.querySelector('[data-testid="connection-status"]')?.textContent === 'connected') {
      marks.tabsyncConnectedAt = performance.now();
    }
  }).observe(document, { subtree: true, childList: true, characterData: true });
}

/** One first visit of `url` on the slow line. */
async function visit(browser: Browser, url: string): Promise<Visit> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    await page.addInitScript(watchConnected);
    const devtools = await context.newCDPSession(page);
    const scripts = new Set<string>();
    let scriptBytes = 0;
    devtools.on('Network.responseReceived', ({ requestId, type }) => { if (type === 'Script') scripts.add(requestId); });
    devtools.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => { if (scripts.has(requestId)) scriptBytes += encodedDataLength; });
    await devtools.send('Network.enable');
    await devtools.send('Network.emulateNetworkConditions', SLOW_LINE);
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(() => (window as unknown as { tabsyncConnectedAt?: number }).tabsyncConnectedAt !== undefined, null, { polling: 50, timeout: 30_000 });
    const times = await page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
      connected: (window as unknown as { tabsyncConnectedAt?: number }).tabsyncConnectedAt ?? Number.NaN,
    }));
    return { fcpMs: times.fcp, connectedMs: times.connected, scriptBytes };
  } finally {
    await context.close();
  }
}

/** The least a React page ships: a page that renders one paragraph, built by Vite as the app is, compressed as well as Brotli can. */
async function reactFloorBytes(): Promise<number> {
  const dir = freshDataDir('page-react');
  try {
    writeFileSync(path.join(dir.dir, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="./main.js"></script>');
    writeFileSync(path.join(dir.dir, 'main.js'), "import { createElement } from 'react';\nimport { createRoot } from 'react-dom/client';\ncreateRoot(document.getElementById('root')).render(createElement('p', null, 'Hello'));\n");
    const output = await viteBuild({ root: dir.dir, configFile: false, logLevel: 'silent', resolve: { alias: { react: path.join(ROOT, 'node_modules/react'), 'react-dom': path.join(ROOT, 'node_modules/react-dom') } }, build: { write: false } });
    const chunks = (Array.isArray(output) ? output : [output]).flatMap((result) => ('output' in result ? result.output : []));
    const code = chunks.flatMap((chunk) => (chunk.type === 'chunk' ? [chunk.code] : [])).join('\n');
    return brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } }).length;
  } finally {
    dir.remove();
  }
}

function best(visits: Visit[]): Visit {
  return {
    fcpMs: Math.min(...visits.map((v) => v.fcpMs)),
    connectedMs: Math.min(...visits.map((v) => v.connectedMs)),
    scriptBytes: Math.min(...visits.map((v) => v.scriptBytes)),
  };
}

async function run(ctx: FigureContext): Promise<Results> {
  if (!existsSync(CHROMIUM)) {
    ctx.log(`no Chromium at ${CHROMIUM} (CHROMIUM_PATH): page.* skipped`);
    return {};
  }
  // The web app as a visitor gets it: without the developer controls, whatever this shell sets.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITE_')));
  await buildIfStale(['client'], { env, say: ctx.log });
  const data = freshDataDir('page');
  const prefix = freshPrefix('page');
  const children: BenchChild<unknown>[] = [];
  let browser: Browser | undefined;
  try {
    const tabsync = await forkChild<TabsyncReady>('servers/tabsync.ts', {
      env: { DATA_DIR: data.dir, DATABASE_URL: `sqlite:${data.dir}/tabsync.sqlite`, REDIS_URL: ctx.redisUrl, BENCH_REDIS_PREFIX: prefix, ...LIMITS_LIFTED, PORT: '0' },
    });
    children.push(tabsync);
    const floor = await forkChild<{ url: string }>('servers/page-floor.ts');
    children.push(floor);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    const ours: Visit[] = [];
    const floors: Visit[] = [];
    // Taking turns: a slow moment of the machine falls on both sides alike.
    for (let turn = 0; turn < VISITS; turn += 1) {
      ours.push(await visit(browser, tabsync.ready.url));
      floors.push(await visit(browser, floor.ready.url));
      ctx.log(`  visit ${turn + 1}: fcp ${ours.at(-1)?.fcpMs.toFixed(0)} ms (floor ${floors.at(-1)?.fcpMs.toFixed(0)}), connected ${ours.at(-1)?.connectedMs.toFixed(0)} ms (floor ${floors.at(-1)?.connectedMs.toFixed(0)}), scripts ${ours.at(-1)?.scriptBytes} B`);
    }
    const us = best(ours);
    const bare = best(floors);
    return {
      'page.fcp_ms': measure(us.fcpMs, bare.fcpMs, 'ms'),
      'page.connected_ms': measure(us.connectedMs, bare.connectedMs, 'ms'),
      'page.first_script_kb': measure(us.scriptBytes / 1000, (await reactFloorBytes()) / 1000, 'kB'),
    };
  } finally {
    await browser?.close();
    await stopAll(children);
    await dropRedisPrefix(ctx.redisUrl, prefix);
    data.remove();
  }
}

export const pageLoadFigure: Figure = { name: 'page', run };
