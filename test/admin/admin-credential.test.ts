import { describe, expect, it } from 'vitest';
import { adminCredentialFrom } from '../../src/server/http/admin-credential.js';

const basic = (pair: string) => `Basic ${Buffer.from(pair).toString('base64')}`;

describe('the admin token from an Authorization header', () => {
  it('reads Bearer and Basic (the password, whatever the user name, colons in the token kept)', () => {
    expect(adminCredentialFrom('Bearer abc')).toBe('abc');
    expect(adminCredentialFrom('bearer abc')).toBe('abc');
    expect(adminCredentialFrom(basic('ops:abc'))).toBe('abc');
    expect(adminCredentialFrom(basic(':abc'))).toBe('abc');
    expect(adminCredentialFrom(basic('ops:a:b'))).toBe('a:b');
  });

  it('finds none in an absent, empty, unknown or malformed header', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Token abc', 'abc', basic('no-colon'), basic('ops:')]) {
      expect(adminCredentialFrom(header), String(header)).toBeUndefined();
    }
  });
});
