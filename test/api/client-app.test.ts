import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../scripts/dist-build.mjs';
import { CLIENT_BUILD_DIR, createClientApp } from '../../src/server/http/client-app.js';
import { CSP_NONCE_PLACEHOLDER } from '../../src/server/http/page-security.js';
import { precompress } from '../../src/server/http/precompress.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A script large enough to be worth compressing, as most of a real build is. */
const BIG_SCRIPT = Array.from({ length: 400 }, (_, i) => `export const part${i} = () => "part ${i} of the app";`).join('\n');

/** A build as Vite lays it out: the page with nonce placeholders, hashed assets, a plain file. */
function writeFixtureBuild(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tabsync-client-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(
    path.join(dir, 'index.html'),
    `<!doctype html><html><head><meta property="csp-nonce" nonce="${CSP_NONCE_PLACEHOLDER}"><script type="module" src="/assets/index-Ab12Cd34.js" nonce="${CSP_NONCE_PLACEHOLDER}"></script></head><body><div id="root"></div></body></html>`,
  );
  writeFileSync(path.join(dir, 'assets', 'index-Ab12Cd34.js'), 'console.log("app");');
  writeFileSync(path.join(dir, 'assets', 'vendor-Ef56Gh78.js'), BIG_SCRIPT);
  writeFileSync(path.join(dir, 'robots.txt'), 'User-agent: *\n');
  return dir;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body's bytes as they travelled (compressed, when the server compressed them). */
  bytes: Buffer;
}

function get(url: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => { chunks.push(chunk); });
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString('utf8'), bytes });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function directives(csp: string | string[] | undefined): Map<string, string> {
  return new Map(String(csp ?? '').split(';').map((part) => {
    const [name = '', ...values] = part.trim().split(/\s+/);
    return [name, values.join(' ')];
  }));
}

function nonceOf(html: string): string | undefined {
  return /<meta property="csp-nonce" nonce="([^"]+)">/.exec(html)?.[1];
}

describe('the built web app, served with sirv', () => {
  let dir: string;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    dir = writeFixtureBuild();
    await precompress(dir);
    const handler = createClientApp(dir);
    if (!handler) throw new Error('the fixture build was not accepted');
    server = http.createServer((req, res) => {
      void handler(req, res, { requestId: 'test-request', ip: '127.0.0.1', url: new URL(req.url ?? '/', 'http://localhost') });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('caches hashed assets for a year, immutable, and revalidates the page and plain files', async () => {
    const asset = await get(`${base}/assets/index-Ab12Cd34.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.body).toBe('console.log("app");');

    const page = await get(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');

    expect((await get(`${base}/robots.txt`)).headers['cache-control']).toBe('no-cache');
  });

  it('sends the build\'s Brotli or gzip copy to a browser that accepts it, and the file as it is otherwise', async () => {
    const url = `${base}/assets/vendor-Ef56Gh78.js`;
    const br = await get(url, { headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(Number(br.headers['content-length'])).toBe(br.bytes.length);
    expect(br.bytes.length).toBeLessThan(BIG_SCRIPT.length / 4);
    expect(brotliDecompressSync(br.bytes).toString('utf8')).toBe(BIG_SCRIPT);

    const gz = await get(url, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.bytes).toString('utf8')).toBe(BIG_SCRIPT);

    const plain = await get(url);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(BIG_SCRIPT);
    // A file too small to gain from it is sent as it is, whatever the browser accepts.
    expect((await get(`${base}/assets/index-Ab12Cd34.js`, { headers: { 'accept-encoding': 'br' } })).headers['content-encoding']).toBeUndefined();
  });

  it('answers every other path with the page, so the browser can route it', async () => {
    for (const pathname of ['/', '/index.html', '/sessions/some/deep/path', '/settings?tab=files']) {
      const answer = await get(`${base}${pathname}`);
      expect(answer.status, pathname).toBe(200);
      expect(answer.body, pathname).toContain('<div id="root">');
    }
  });

  it('never answers /api paths with the page: an unknown one is a JSON 404', async () => {
    for (const pathname of ['/api', '/api/', '/api/nothing-here', '/api/trpc']) {
      const answer = await get(`${base}${pathname}`);
      expect(answer.status, pathname).toBe(404);
      expect(answer.headers['content-type'], pathname).toMatch(/^application\/json/);
      expect(JSON.parse(answer.body), pathname).toMatchObject({ error: { code: 'NOT_FOUND', httpStatus: 404 } });
    }
  });

  it('answers a missing hashed asset (of an older build) with 404 text, not the page as script', async () => {
    const answer = await get(`${base}/assets/index-OldBuild.js`);
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toMatch(/^text\/plain/);
    expect(answer.body).not.toContain('<html');
  });

  it('puts a fresh nonce on each page, the same in the page and its policy, and no placeholder left', async () => {
    const first = await get(`${base}/`);
    const second = await get(`${base}/`);
    const nonce = nonceOf(first.body);
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{24}$/);
    expect(first.body).not.toContain(CSP_NONCE_PLACEHOLDER);
    expect(nonceOf(second.body)).not.toBe(nonce);
    expect(directives(first.headers['content-security-policy']).get('style-src')).toBe(`'self' 'nonce-${String(nonce)}'`);
  });

  it('sends a strict policy: own scripts only, no inline script, no plugins, no framing, own connections', async () => {
    const answer = await get(`${base}/`, { headers: { host: 'tabsync.example:8443' } });
    const csp = directives(answer.headers['content-security-policy']);
    expect(csp.get('default-src')).toBe("'self'");
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('object-src')).toBe("'none'");
    expect(csp.get('base-uri')).toBe("'none'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
    expect(csp.get('connect-src')).toBe("'self' ws://tabsync.example:8443 wss://tabsync.example:8443");
    expect(answer.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(answer.headers['content-security-policy']).not.toContain('unsafe-eval');
  });

  it('names no socket origin taken from a Host header that is not a plain host', async () => {
    const answer = await get(`${base}/`, { headers: { host: 'evil.example; script-src *' } });
    expect(directives(answer.headers['content-security-policy']).get('connect-src')).toBe("'self'");
  });

  it('sends the other security headers on pages and assets alike', async () => {
    for (const pathname of ['/', '/assets/index-Ab12Cd34.js', '/robots.txt']) {
      const { headers } = await get(`${base}${pathname}`);
      expect(headers['referrer-policy'], pathname).toBe('no-referrer');
      expect(headers['x-content-type-options'], pathname).toBe('nosniff');
      expect(headers['permissions-policy'], pathname).toContain('camera=()');
      expect(headers['content-security-policy'], pathname).toContain("frame-ancestors 'none'");
    }
  });

  it('answers HEAD for the page with its headers and no body', async () => {
    const answer = await get(`${base}/somewhere`, { method: 'HEAD' });
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('');
    expect(Number(answer.headers['content-length'])).toBeGreaterThan(0);
  });

  it('serves nothing when there is no build', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'tabsync-empty-'));
    expect(createClientApp(empty)).toBeUndefined();
    rmSync(empty, { recursive: true, force: true });
  });
});

describe('the app as npm start serves it', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Any build will do (another test file may have just built one with its own settings).
    if (!existsSync(path.join(CLIENT_BUILD_DIR, 'index.html'))) await build('client');
    t = await startTestApp();
  }, 120_000);
  afterAll(async () => { await t.close(); });

  it('serves the page at / and at any app path, with its policy, beside the API', async () => {
    for (const pathname of ['/', '/any/app/path']) {
      const page = await get(`${t.url}${pathname}`);
      expect(page.status, pathname).toBe(200);
      expect(page.body, pathname).toContain('<div id="root">');
      expect(page.headers['content-security-policy'], pathname).toContain("script-src 'self'");
      expect(page.headers['x-request-id'], pathname).toBeDefined();
    }
    const health = await get(`${t.url}/healthz`);
    expect(health.status).toBe(200);
    const unknownApi = await get(`${t.url}/api/nothing-here`);
    expect(unknownApi.status).toBe(404);
    expect(unknownApi.body).not.toContain('<html');
  });
});
