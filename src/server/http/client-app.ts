import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sirv from 'sirv';
import { API_PREFIX } from '../../shared/paths.js';
import { PROJECT_ROOT } from '../project-root.js';
import type { RouteHandler } from './host.js';
import { sendError } from './json-response.js';
import { contentSecurityPolicy, CSP_NONCE_PLACEHOLDER, newNonce, setPageSecurityHeaders } from './page-security.js';

/** Where `npm run build` puts the web app, whether the server runs from src/ or compiled from dist/src/. */
export const CLIENT_BUILD_DIR = path.join(PROJECT_ROOT, 'dist', 'client');

/** Vite names every built asset after its content hash: a new build means new names. */
const HASHED_ASSETS = '/assets/';
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The built web app (`npm run build` → dist/client): hashed assets cached for a year, anything
 * else in the build revalidated, text sent compressed as the build compressed it, and every other GET path answered with the app's page, which
 * routes in the browser. `/api/*` never falls back to the page: an unknown API path is a 404.
 * Undefined when there is no build to serve.
 */
export function createClientApp(dir: string): RouteHandler | undefined {
  const indexFile = path.join(dir, 'index.html');
  if (!existsSync(indexFile)) return undefined;
  const page = readFileSync(indexFile, 'utf8');
  const files = sirv(dir, {
    etag: true,
    // The build writes .br and .gz copies of its text files (precompress.ts): a browser that
    // accepts either gets the copy, with Content-Encoding and Vary: Accept-Encoding.
    brotli: true,
    gzip: true,
    // The page goes out only with its nonce (below), never as the file on disk.
    extensions: [],
    setHeaders: (res, pathname) => {
      res.setHeader('Cache-Control', pathname.startsWith(HASHED_ASSETS) ? IMMUTABLE : 'no-cache');
    },
  });

  return (req, res, scope) => {
    const { pathname } = scope.url;
    if (`${pathname}/`.startsWith(API_PREFIX)) {
      sendError(res, 404, 'NOT_FOUND', `Nothing is served at ${req.method ?? ''} ${pathname}.`, scope.requestId);
      return;
    }
    const nonce = newNonce();
    setPageSecurityHeaders(res, contentSecurityPolicy({ nonce, host: req.headers.host }));

    let missing = pathname === '/' || pathname === '/index.html';
    if (!missing) files(req, res, () => { missing = true; });
    if (!missing) return;
    if (pathname.startsWith(HASHED_ASSETS)) {
      // An asset of an older build: the page that asked for it must reload, not receive HTML as script.
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end('This file is not part of the current build of the app. Reload the page.');
      return;
    }
    const html = page.replaceAll(CSP_NONCE_PLACEHOLDER, nonce);
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(html),
      'Cache-Control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : html);
  };
}
