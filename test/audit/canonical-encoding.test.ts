import { describe, expect, it } from 'vitest';
import { canonicalEncoding, chainHash, GENESIS_HASH, type RowContent } from '../../src/server/services/audit/audit-chain.js';

/**
 * Every stored row's hash covers these bytes: an encoding that changed would make every chain
 * written before it fail verification. The expected values are what the chain has always written.
 */
describe('the audit chain\'s canonical encoding', () => {
  it('is the fixed JSON array of a row, absent values null', () => {
    const row: RowContent = {
      createdAt: new Date('2026-01-01T00:00:00.000Z'),
      sessionId: null,
      event: 'session.validated',
      outcome: 'success',
      ip: null,
      userAgent: null,
      requestId: 'r-1',
      metadata: {},
    };
    expect(canonicalEncoding(row, GENESIS_HASH)).toBe(`["${GENESIS_HASH}","2026-01-01T00:00:00.000Z",null,"session.validated","success",null,null,"r-1",{}]`);
    expect(chainHash(row, GENESIS_HASH)).toBe('3543a3b78e9097704fc0b575b7cc5a3f524c34aa925f960d56c90f698855f823');
  });

  it('sorts keys by code unit at every depth and drops undefined members, byte for byte as the first encoding', () => {
    const row: RowContent = {
      createdAt: new Date('2026-12-07T20:15:30.123Z'),
      sessionId: '0b7f3c2e-4d5a-4b6c-8d9e-0f1a2b3c4d5e',
      event: 'file.uploaded',
      outcome: 'success',
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 "quoted" \\ tab\t',
      requestId: null,
      metadata: {
        z: 1,
        a: { y: [3, { d: 'é', c: null, b: undefined }, undefined, 'x'], b: true },
        Z: '\u2028',
        é: 0.5,
        '': [],
        'a b': {},
        when: new Date(0),
        n: -0,
        big: 1e21,
      },
    };
    const prevHash = 'f'.repeat(64);
    // The first encoding wrote an undefined array element as nothing (`,,`), not as JSON's null: so it stays.
    const metadata = '{"":[],"Z":"\u2028","a":{"b":true,"y":[3,{"c":null,"d":"é"},,"x"]},"a b":{},"big":1e+21,"n":0,"when":{},"z":1,"é":0.5}';
    expect(canonicalEncoding(row, prevHash)).toBe(
      `["${prevHash}","2026-12-07T20:15:30.123Z","0b7f3c2e-4d5a-4b6c-8d9e-0f1a2b3c4d5e","file.uploaded","success","203.0.113.7","Mozilla/5.0 \\"quoted\\" \\\\ tab\\t",null,${metadata}]`,
    );
    expect(chainHash(row, prevHash)).toBe('2a6624b82330685193f8a13754604cb47916ef56a83e08c08d9f605ae27c39bd');
  });
});
