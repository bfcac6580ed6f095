import type { IncomingMessage } from 'node:http';
import { parseCookie, stringifySetCookie } from 'cookie';
import { CREDENTIAL_COOKIE } from '../../shared/limits.js';

const LOOPBACK_HOSTS = /^(localhost|[\w-]+(?:\.[\w-]+)*\.localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

export function readCredential(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  return parseCookie(header)[CREDENTIAL_COOKIE];
}

/** Secure everywhere but on localhost, where browsers allow plain HTTP for development. */
function isSecureContext(req: IncomingMessage): boolean {
  const host = req.headers.host ?? '';
  // `*.localhost` counts with or without a port ("app.localhost:5173").
  return !LOOPBACK_HOSTS.test(host);
}

/** The credential cookie: HttpOnly, SameSite=Lax, persistent for the session's absolute lifetime. */
export function credentialCookie(req: IncomingMessage, credential: string, maxAgeSeconds: number): string {
  return stringifySetCookie({
    name: CREDENTIAL_COOKIE,
    value: credential,
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: isSecureContext(req),
    maxAge: maxAgeSeconds,
  });
}

export function clearedCredentialCookie(req: IncomingMessage): string {
  return stringifySetCookie({ name: CREDENTIAL_COOKIE, value: '', httpOnly: true, sameSite: 'lax', path: '/', secure: isSecureContext(req), maxAge: 0 });
}
