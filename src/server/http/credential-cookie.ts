import type { IncomingMessage } from 'node:http';
import { parseCookie, stringifySetCookie } from 'cookie';
import { CREDENTIAL_COOKIE } from '../../shared/limits.js';

/**
 * Over TLS the cookie takes the `__Host-` prefix: browsers then accept it only with Secure,
 * Path=/ and no Domain, so neither a sibling subdomain nor a plain-HTTP page can plant or shadow it.
 */
export const SECURE_CREDENTIAL_COOKIE = `__Host-${CREDENTIAL_COOKIE}`;

/** The credential, from the `__Host-` cookie when the browser has one, else the plain one (plain HTTP). */
export function readCredential(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const cookies = parseCookie(header);
  return cookies[SECURE_CREDENTIAL_COOKIE] ?? cookies[CREDENTIAL_COOKIE];
}

/** The credential cookie: HttpOnly, SameSite=Lax, persistent for the session's absolute lifetime; Secure over TLS. */
export function credentialCookie(credential: string, maxAgeSeconds: number, secure: boolean): string {
  return stringifySetCookie({
    name: secure ? SECURE_CREDENTIAL_COOKIE : CREDENTIAL_COOKIE,
    value: credential,
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure,
    maxAge: maxAgeSeconds,
  });
}

export function clearedCredentialCookie(secure: boolean): string {
  return credentialCookie('', 0, secure);
}
