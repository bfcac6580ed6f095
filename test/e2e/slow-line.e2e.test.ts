import http from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from './support/app-server.js';
import { BrowserApp } from './support/browser-app.js';
import { SLOW_LINE } from './support/slow-line.js';
import { waitForConnection } from './support/tab-actions.js';

/** The goal for the scripts a first visit needs before the page is live, compressed as they travel. */
const FIRST_SCRIPT_MAX_BYTES = 120_000;

interface Response {
  url: string;
  type: string;
  encoding: string | undefined;
  /** The body as it travelled (Content-Length). */
  bodyBytes: number;
  /** Everything that travelled for it, headers included (DevTools' encodedDataLength). */
  bytes: number;
}

/** Asks for `url` with the Accept-Encoding given, and gives the answer's encoding and body size. */
function fetchEncoded(url: string, acceptEncoding: string): Promise<{ encoding: string | undefined; bytes: number }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { 'accept-encoding': acceptEncoding } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => { bytes += chunk.length; });
      res.on('end', () => { resolve({ encoding: res.headers['content-encoding'], bytes }); });
    }).on('error', reject);
  });
}

/**
 * The first visit on a slow line (1.6 Mbps, 150 ms), as structure only: what travels, and how
 * much. How fast it is (first paint, time to "connected") is `npm run bench -- page`'s to say.
 */
describe('the first visit on a slow line', () => {
  let server: AppServer;
  let browser: Browser;
  const app = new BrowserApp();
  const responses: Response[] = [];

  beforeAll(async () => {
    ({ server, browser } = await app.start({ dataDirPrefix: 'tabsync-slow-line-e2e-', build: 'normal', env: {} }));
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const devtools = await context.newCDPSession(page);
    const seen = new Map<string, Response>();
    devtools.on('Network.responseReceived', ({ requestId, type, response }) => {
      const header = (wanted: string) => Object.entries(response.headers).find(([name]) => name.toLowerCase() === wanted)?.[1];
      seen.set(requestId, { url: response.url, type, encoding: header('content-encoding'), bodyBytes: Number(header('content-length') ?? 0), bytes: 0 });
    });
    devtools.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
      const response = seen.get(requestId);
      if (response) responses.push({ ...response, bytes: encodedDataLength });
    });
    await devtools.send('Network.enable');
    await devtools.send('Network.emulateNetworkConditions', SLOW_LINE);
    await page.goto(server.url);
    await waitForConnection(page, 'connected');
    await context.close();
  }, 180_000);

  afterAll(() => app.stop());

  it('sends every script and stylesheet Brotli-compressed to the browser (but those too small to gain from it)', () => {
    const assets = responses.filter((response) => response.type === 'Script' || response.type === 'Stylesheet');
    expect(assets.filter((asset) => asset.encoding === 'br').length).toBeGreaterThanOrEqual(2);
    expect(assets.filter((asset) => asset.encoding !== 'br' && asset.bodyBytes >= 1024).map((asset) => asset.url)).toEqual([]);
  });

  it('needs at most 120 kB of compressed script before the page is live (the admin app and the upload code load later)', () => {
    const scripts = responses.filter((response) => response.type === 'Script');
    const total = scripts.reduce((sum, script) => sum + script.bytes, 0);
    expect(total, scripts.map((script) => `${script.url}: ${script.bytes} B`).join('\n')).toBeLessThanOrEqual(FIRST_SCRIPT_MAX_BYTES);
    expect(scripts.some((script) => /\/(AdminApp|upload)-/.test(script.url))).toBe(false);
  });

  it('sends gzip to a client that accepts gzip and not Brotli, and the bytes as they are to one that accepts neither', async () => {
    const script = responses.find((response) => response.type === 'Script' && response.bytes > 10_000);
    if (!script) throw new Error('no script of the page was seen');
    const gzip = await fetchEncoded(script.url, 'gzip, deflate');
    expect(gzip.encoding).toBe('gzip');
    expect(gzip.bytes).toBeLessThanOrEqual(FIRST_SCRIPT_MAX_BYTES);
    const plain = await fetchEncoded(script.url, 'identity');
    expect(plain.encoding).toBeUndefined();
    expect(plain.bytes).toBeGreaterThan(gzip.bytes * 2);
  });
});
