import { describe, expect, it } from 'vitest';
import { clientKey } from '../../src/server/security/client-key.js';

describe('clientKey', () => {
  it('keeps an IPv4 address as it is, and unwraps an IPv4-mapped IPv6 one', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('gives every address of one IPv6 /64 the same key, and another /64 another', () => {
    const a = clientKey('2001:db8:1:2:aaaa::1');
    expect(clientKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(a);
    expect(clientKey('2001:0db8:0001:0002::9')).toBe(a);
    expect(clientKey('2001:db8:1:3::1')).not.toBe(a);
  });

  it('passes through what is not an address', () => {
    expect(clientKey('unknown')).toBe('unknown');
  });
});
