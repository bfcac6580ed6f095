import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/**
 * What the client build writes where each page's nonce goes (vite.config.ts `html.cspNonce`).
 * Vite puts it on the page's tags and in `<meta property="csp-nonce">`; the client hands that
 * nonce to goober, the stylesheet writer of react-hot-toast (src/client/session/style-nonce.ts).
 */
export const CSP_NONCE_PLACEHOLDER = 'TABSYNC_CSP_NONCE';

export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

/** A Host header that can be named in a policy as it is; anything else is left out. */
const PLAIN_HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The page's policy. Scripts only from this origin and never inline; inline styles only with the
 * page's nonce, which goober (the toasts' styles) puts on the one <style> element it writes;
 * connections only to this origin, over HTTP and its WebSocket.
 */
export function contentSecurityPolicy(options: { nonce: string; host: string | undefined }): string {
  const host = options.host !== undefined && PLAIN_HOST.test(options.host) ? options.host : undefined;
  const sockets = host ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${options.nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Powerful features the app never uses, refused for it and anything it could embed. */
const PERMISSIONS_POLICY = ['camera', 'microphone', 'geolocation', 'payment', 'usb', 'serial', 'midi', 'magnetometer', 'gyroscope', 'accelerometer', 'browsing-topics']
  .map((feature) => `${feature}=()`)
  .join(', ');

/** The headers every response of the web app carries. */
export function setPageSecurityHeaders(res: ServerResponse, csp: string): void {
  res.setHeader('Content-Security-Policy', csp);
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Permissions-Policy', PERMISSIONS_POLICY);
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', 'DENY');
}
