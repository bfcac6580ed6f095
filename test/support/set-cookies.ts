import type http from 'node:http';
import { expect } from 'vitest';
import { CREDENTIAL_COOKIE } from '../../src/shared/limits.js';

export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names in lower case; flags map to true. */
  attributes: Map<string, string | true>;
}

export function parseSetCookie(line: string): SetCookie {
  const [pair = '', ...rest] = line.split(';');
  const eq = pair.indexOf('=');
  const attributes = new Map<string, string | true>();
  for (const part of rest) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const at = trimmed.indexOf('=');
    if (at === -1) attributes.set(trimmed.toLowerCase(), true);
    else attributes.set(trimmed.slice(0, at).toLowerCase(), trimmed.slice(at + 1));
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}

/** The credential cookies a response sets (from fetch's Headers or node:http's headers). */
export function credentialCookies(source: Headers | http.IncomingHttpHeaders | undefined): SetCookie[] {
  if (source === undefined) return [];
  const lines = source instanceof Headers ? source.getSetCookie() : (source['set-cookie'] ?? []);
  return lines.map(parseSetCookie).filter((cookie) => cookie.name === CREDENTIAL_COOKIE || cookie.name === `__Host-${CREDENTIAL_COOKIE}`);
}

/** The one credential cookie a response must set. */
export function theCredentialCookie(source: Headers | http.IncomingHttpHeaders | undefined): SetCookie {
  const cookies = credentialCookies(source);
  expect(cookies).toHaveLength(1);
  const [cookie] = cookies;
  if (!cookie) return expect.unreachable('no credential cookie was set');
  return cookie;
}

export function cookieHeader(credential: string): string {
  return `${CREDENTIAL_COOKIE}=${credential}`;
}
