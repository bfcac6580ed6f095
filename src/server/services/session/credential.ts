import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits, URL-safe: the secret that proves a browser owns a session. */
export function newCredential(): string {
  return randomBytes(32).toString('base64url');
}

/** Only this digest is stored; the credential itself never reaches the database or a log. */
export function hashCredential(credential: string): string {
  return createHash('sha256').update(credential).digest('hex');
}

const CREDENTIAL_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function isCredentialShaped(value: string | undefined): boolean {
  return value !== undefined && CREDENTIAL_SHAPE.test(value);
}

/** Compares in constant time, so response timing says nothing about how much of a guess was right. */
export function credentialMatches(credential: string | undefined, storedHash: string): boolean {
  if (credential === undefined || !isCredentialShaped(credential)) return false;
  const given = createHash('sha256').update(credential).digest();
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
