import type { IncomingMessage } from 'node:http';
import { parseCookie, stringifySetCookie } from 'cookie';
import { CREDENTIAL_COOKIE } from '../../shared/limits.js';
import type { SecureRequestTest } from './request-security.js';

/**
 * Over TLS the cookie takes the `__Host-` prefix: browsers then accept it only with Secure,
 * Path=/ and no Domain, so neither a sibling subdomain nor a plain-HTTP page can plant or shadow it.
 */
export const SECURE_CREDENTIAL_COOKIE = `__Host-${CREDENTIAL_COOKIE}`;

/** The credential a request carries, and whether it also carries a plain cookie it must not be trusted with. */
export interface RequestCredential {
  credential: string | undefined;
  /** A plain `tabsync_session` on a request that came over TLS: planted (by a sibling subdomain or a plain-HTTP answer), never read. */
  planted: boolean;
}

export type CredentialReader = (req: IncomingMessage) => RequestCredential;

const NONE: RequestCredential = Object.freeze({ credential: undefined, planted: false });

/**
 * Reads the credential by the name the request's scheme gives it: over TLS only the `__Host-`
 * cookie, which nobody but this origin over TLS can set; a plain one beside it is someone else's
 * (session fixation) and is reported so that it can be expired. Over plain HTTP browsers send no
 * `__Host-` cookie, so only the plain one is read.
 */
export function createCredentialReader(isSecure: SecureRequestTest): CredentialReader {
  return (req) => {
    const header = req.headers.cookie;
    if (!header) return NONE;
    const cookies = parseCookie(header);
    if (!isSecure(req)) return { credential: cookies[CREDENTIAL_COOKIE], planted: false };
    return { credential: cookies[SECURE_CREDENTIAL_COOKIE], planted: cookies[CREDENTIAL_COOKIE] !== undefined };
  };
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

/** Ends the cookie of the request's scheme (`secure`: the `__Host-` one, else the plain one). */
export function clearedCredentialCookie(secure: boolean): string {
  return credentialCookie('', 0, secure);
}
