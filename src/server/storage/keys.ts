import { InvalidObjectKeyError } from './object-store.js';

/**
 * The object keys of the app, and the one place that builds them:
 *   staging/<fileId>                                  bytes as the API received them
 *   sessions/<sessionId>/files/<fileId>/<safe name>   a stored file of a session
 * Ids must be UUIDs and names go through `safeFileName`, so no key ever leaves its prefix.
 */
export const STAGING_PREFIX = 'staging/';
export const SESSIONS_PREFIX = 'sessions/';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** S3's limit on a key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;
/** A safe name's limit in UTF-8 bytes: fits a file name on every common file system, with room to spare. */
export const MAX_SAFE_NAME_BYTES = 200;
const FALLBACK_NAME = 'file';

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

function requireUuid(value: string, what: string): string {
  if (!UUID.test(value)) throw new InvalidObjectKeyError(`${what} must be a lower-case UUID (got "${value.slice(0, 64)}").`);
  return value;
}

export function stagingKey(fileId: string): string {
  return `${STAGING_PREFIX}${requireUuid(fileId, 'A file id')}`;
}

export function sessionPrefix(sessionId: string): string {
  return `${SESSIONS_PREFIX}${requireUuid(sessionId, 'A session id')}/`;
}

/** Where every object of one file lives (there is one; a prefix finds it whatever its name). */
export function fileObjectsPrefix(sessionId: string, fileId: string): string {
  return `${sessionPrefix(sessionId)}files/${requireUuid(fileId, 'A file id')}/`;
}

export function sessionFileKey(sessionId: string, fileId: string, name: string): string {
  return `${fileObjectsPrefix(sessionId, fileId)}${safeFileName(name)}`;
}

/** The file id of a staging key, or null for anything else. */
export function parseStagingKey(key: string): string | null {
  if (!key.startsWith(STAGING_PREFIX)) return null;
  const rest = key.slice(STAGING_PREFIX.length);
  return UUID.test(rest) ? rest : null;
}

/**
 * The session a key under `sessions/` belongs to: its id when the segment is a UUID, `null` when
 * it is not (so no session can own it). Undefined for keys outside `sessions/`.
 */
export function sessionIdOfKey(key: string): string | null | undefined {
  if (!key.startsWith(SESSIONS_PREFIX)) return undefined;
  const segment = key.slice(SESSIONS_PREFIX.length).split('/', 1)[0] ?? '';
  return UUID.test(segment) ? segment : null;
}

/*
 * Characters a safe name never holds: controls (C0, DEL, C1), format characters (bidi overrides
 * such as U+202E that make "gnp.exe" read as "exe.png", zero-widths, BOM), line and paragraph
 * separators, lone surrogates, non-characters, and the characters reserved on Windows or in paths.
 */
const DROPPED = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\uFDD0-\uFDEF\uFFFE\uFFFF<>:"/\\|?*]/gu;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;
/** An extension worth keeping: letters and digits only, short. */
const EXTENSION = /^[\p{L}\p{N}]{1,16}$/u;

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Cuts `text` to at most `maxBytes` of UTF-8, never inside a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const char of text) {
    const size = utf8Length(char);
    if (bytes + size > maxBytes) break;
    out += char;
    bytes += size;
  }
  return out;
}

const trimName = (text: string) => text.replace(/^[\s.]+/u, '').replace(/[\s.]+$/u, '');

/** Splits off a sensible extension ("report.final.PDF" → ["report.final", "PDF"]), if the name has one. */
export function splitExtension(name: string): { stem: string; extension: string | null } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return { stem: name, extension: null };
  const extension = name.slice(dot + 1);
  const stem = trimName(name.slice(0, dot));
  return EXTENSION.test(extension) && stem !== '' ? { stem, extension } : { stem: name, extension: null };
}

/**
 * A file name that is safe in a key, on a disk and in a Content-Disposition header: only its
 * last path segment, without control, format or reserved characters, no leading or trailing dots
 * or spaces, not a Windows device name, at most MAX_SAFE_NAME_BYTES long with its extension kept.
 * Never empty: a name with nothing left becomes "file". Applying it twice changes nothing.
 */
export function safeFileName(raw: string): string {
  const segments = raw.normalize('NFC').split(/[/\\]/);
  const last = segments.reverse().find((segment) => trimName(segment.replace(DROPPED, '')) !== '') ?? '';
  let name = trimName(last.replace(DROPPED, '').replace(/\s+/gu, ' '));
  if (name === '') return FALLBACK_NAME;
  const { stem, extension } = splitExtension(name);
  if (WINDOWS_DEVICE.test(stem)) name = extension ? `_${stem}.${extension}` : `_${stem}`;
  if (utf8Length(name) <= MAX_SAFE_NAME_BYTES) return name;
  const parts = splitExtension(name);
  const suffix = parts.extension ? `.${parts.extension}` : '';
  const cut = trimName(truncateUtf8(parts.stem, MAX_SAFE_NAME_BYTES - utf8Length(suffix)));
  return cut === '' ? `${FALLBACK_NAME}${suffix}` : `${cut}${suffix}`;
}

/**
 * Refuses a key that could escape its prefix or mean something else on a disk: empty, absolute,
 * with a backslash, a control character, an empty segment, or a segment that starts with a dot
 * (which also keeps "." and ".." out, and leaves dot-names to the stores' own bookkeeping).
 */
export function assertObjectKey(key: string): void {
  if (key === '' || utf8Length(key) > MAX_KEY_BYTES) throw new InvalidObjectKeyError(`An object key must be 1 to ${MAX_KEY_BYTES} bytes long.`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  if (key.includes('\\') || /[\u0000-\u001f\u007f]/.test(key)) throw new InvalidObjectKeyError('An object key may not hold a backslash or a control character.');
  for (const segment of key.split('/')) {
    if (segment === '' || segment.startsWith('.')) throw new InvalidObjectKeyError(`The object key "${key.slice(0, 200)}" has an empty or dot segment.`);
  }
}

/** Refuses a listing prefix that is not a key's beginning: empty, or whole segments followed by a partial one. */
export function assertKeyPrefix(prefix: string): void {
  if (prefix === '') return;
  assertObjectKey(prefix.endsWith('/') ? `${prefix}x` : prefix);
}
