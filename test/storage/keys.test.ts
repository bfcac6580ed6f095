import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  assertObjectKey,
  MAX_SAFE_NAME_BYTES,
  parseStagingKey,
  safeFileName,
  sessionFileKey,
  sessionIdOfKey,
  stagingKey,
} from '../../src/server/storage/keys.js';
import { InvalidObjectKeyError } from '../../src/server/storage/object-store.js';

const HOSTILE_NAMES = [
  '../../etc/passwd',
  '..',
  '../',
  '/etc/shadow',
  'C:\\Windows\\System32\\cmd.exe',
  '\\\\server\\share\\x.txt',
  'a\0b.txt',
  'nul\0',
  '\u0000\u0001\u001f',
  'report\u202Egnp.exe',
  'line\nbreak\r.txt',
  '   .hidden  ',
  'name. . .',
  'CON',
  'con.txt',
  'LPT1.log',
  '<script>alert(1)</script>.html',
  'what?*|"<>:.txt',
  '%2e%2e%2fescape',
  '🙂'.repeat(300) + '.png',
  'x'.repeat(10_000) + '.pdf',
  'é'.repeat(150) + '.tar.gz',
  '',
  '.',
  '/',
  'a/b/c/',
  'ok name (1).JPEG',
];

describe('safeFileName', () => {
  const named = HOSTILE_NAMES.map((raw) => [JSON.stringify(raw).slice(0, 40), raw]);
  it.each(named)('makes %s safe, bounded and stable', (_label, raw) => {
    const name = safeFileName(raw);
    expect(name.length).toBeGreaterThan(0);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_SAFE_NAME_BYTES);
    expect(name).not.toMatch(/[/\\<>:"|?*]/);
    // eslint-disable-next-line no-control-regex -- asserting their absence
    expect(name).not.toMatch(/[\u0000-\u001f\u007f\u202e]/);
    expect(name).not.toMatch(/^[.\s]|[.\s]$/);
    expect(safeFileName(name)).toBe(name);
  });

  it('keeps only the last path segment', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('/etc/shadow')).toBe('shadow');
    expect(safeFileName('C:\\Windows\\System32\\cmd.exe')).toBe('cmd.exe');
    expect(safeFileName('a/b/c/')).toBe('c');
  });

  it('drops control, format and reserved characters', () => {
    expect(safeFileName('a\0b.txt')).toBe('ab.txt');
    expect(safeFileName('report\u202Egnp.exe')).toBe('reportgnp.exe');
    expect(safeFileName('what?*|"<>:.txt')).toBe('what.txt');
    expect(safeFileName('line\nbreak\r.txt')).toBe('linebreak.txt');
  });

  it('falls back to "file" when nothing is left, and defuses Windows device names', () => {
    for (const raw of ['', '.', '..', '../', '/', '\u0000\u0001']) expect(safeFileName(raw)).toBe('file');
    expect(safeFileName('CON')).toBe('_CON');
    expect(safeFileName('con.txt')).toBe('_con.txt');
  });

  it('keeps Unicode letters and a sensible extension when it cuts a long name', () => {
    expect(safeFileName('résumé 文件.pdf')).toBe('résumé 文件.pdf');
    const long = safeFileName('x'.repeat(10_000) + '.pdf');
    expect(long.endsWith('.pdf')).toBe(true);
    expect(Buffer.byteLength(long)).toBe(MAX_SAFE_NAME_BYTES);
    const emoji = safeFileName('🙂'.repeat(300) + '.png');
    expect(emoji.endsWith('.png')).toBe(true);
    expect(emoji.slice(0, -4).replace(/🙂/gu, '')).toBe(''); // never cut inside a character
    expect(safeFileName('archive.' + 'z'.repeat(40))).toBe('archive.' + 'z'.repeat(40)); // not an extension, but short enough
  });
});

describe('object keys', () => {
  const sessionId = randomUUID();
  const fileId = randomUUID();

  it.each(HOSTILE_NAMES.map((raw) => [JSON.stringify(raw).slice(0, 40), raw]))('a file named %s stays inside its session and file prefix', (_label, raw) => {
    const key = sessionFileKey(sessionId, fileId, raw);
    const prefix = `sessions/${sessionId}/files/${fileId}/`;
    expect(key.startsWith(prefix)).toBe(true);
    expect(key.slice(prefix.length)).not.toContain('/');
    expect(() => { assertObjectKey(key); }).not.toThrow();
    expect(sessionIdOfKey(key)).toBe(sessionId);
  });

  it('refuses ids that are not UUIDs, so no id can climb out', () => {
    expect(() => stagingKey('../sessions/x')).toThrow(InvalidObjectKeyError);
    expect(() => sessionFileKey('..', fileId, 'a')).toThrow(InvalidObjectKeyError);
    expect(() => sessionFileKey(sessionId, `${fileId}/..`, 'a')).toThrow(InvalidObjectKeyError);
    expect(parseStagingKey(stagingKey(fileId))).toBe(fileId);
    expect(parseStagingKey('staging/not-a-uuid')).toBeNull();
    expect(sessionIdOfKey('sessions/garbage/x')).toBeNull();
    expect(sessionIdOfKey('staging/x')).toBeUndefined();
  });

  const badKeys = ['', '/abs', 'a//b', 'a/../b', './a', 'a/.hidden', 'a\\b', 'a\0b', 'a\nb', 'x'.repeat(1025)];
  it.each(badKeys.map((key) => [JSON.stringify(key).slice(0, 24), key]))('refuses the key %s', (_label, key) => {
    expect(() => { assertObjectKey(key); }).toThrow(InvalidObjectKeyError);
  });
});
