import { describe, expect, it } from 'vitest';
import { methodOf, overflowedInRequestLine, type ClientError } from '../../src/server/http/client-error.js';

function overflow(packet: string, bytesParsed = packet.length): ClientError {
  return Object.assign(new Error('Parse Error: Header overflow'), { code: 'HPE_HEADER_OVERFLOW', rawPacket: Buffer.from(packet, 'latin1'), bytesParsed });
}

describe('which part of a request head overflowed', () => {
  it('is the request line when the chunk began with one and had no line break up to the failure', () => {
    expect(overflowedInRequestLine(overflow(`GET /${'a'.repeat(20_000)}`))).toBe(true);
    expect(overflowedInRequestLine(overflow(`POST /api/trpc/${'session.current,'.repeat(2000)}?batch=1`))).toBe(true);
  });

  it('is the headers once a line break came before the failure', () => {
    expect(overflowedInRequestLine(overflow(`GET /x HTTP/1.1\r\nCookie: ${'c'.repeat(20_000)}`))).toBe(false);
  });

  it('is taken to be the headers when the chunk began mid-way (a head written in pieces)', () => {
    expect(overflowedInRequestLine(overflow('a'.repeat(8192)))).toBe(false);
    expect(overflowedInRequestLine(overflow(`bbbb ${'b'.repeat(8192)}`))).toBe(false);
  });

  it('is the headers when the parser said nothing of where it failed', () => {
    expect(overflowedInRequestLine(Object.assign(new Error('Parse Error'), { code: 'HPE_HEADER_OVERFLOW' }))).toBe(false);
  });
});

describe('the method of a request whose head overflowed', () => {
  it('is read from the chunk when it began with the request line, else unknown', () => {
    expect(methodOf(overflow(`HEAD /${'a'.repeat(20_000)}`))).toBe('HEAD');
    expect(methodOf(overflow(`GET /x HTTP/1.1\r\nCookie: ${'c'.repeat(20_000)}`))).toBe('GET');
    expect(methodOf(overflow('a'.repeat(8192)))).toBeUndefined();
  });
});
