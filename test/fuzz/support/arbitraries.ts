import fc from 'fast-check';
import { CREDENTIAL_COOKIE } from '../../../src/shared/limits.js';
import { LIVE, long, nested, TOKEN } from './macros.js';

/**
 * Generators shared by every fuzz property. Values that are JSON are generated as JSON *text*, so
 * that a body can hold what no JavaScript value would stringify to (duplicate keys, own
 * `__proto__` keys, a 20,000-deep nesting) and a counterexample prints as it was sent.
 */
export type JsonText = string;

const json = (value: unknown): JsonText => JSON.stringify(value);

/** Strings that have broken parsers, loggers and databases before. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\r\n\r\nHTTP/1.1 200 OK',
  '\u001b[31m',
  '\u202e\u2066',
  '\ufeff',
  '\ud800',
  '\udfff\ud800',
  '\uffff',
  'null',
  'undefined',
  'NaN',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%',
  '%00',
  '%E0%A4%A',
  "' OR '1'='1' --",
  '"; DROP TABLE user_sessions; --',
  '${7*7}{{7*7}}',
  '<script>alert(1)</script>',
  'Ω≈ç√∫˜µ≤≥÷',
  'ﾟ･✿ヾ╲(｡◕‿◕｡)╱✿･ﾟ',
  '😀👩‍👩‍👧‍👦🏳️‍🌈',
  'Z̮̞̠͙͔ͅḀ̗̞͈̻̗Ḷ͙͎̯̹̞͓G̻O̭̗̮',
  '0b5c6f8e-4d1a-4c3e-9f2b-7a8d9e0f1a2b\u0000',
  ' 0B5C6F8E-4D1A-4C3E-9F2B-7A8D9E0F1A2B ',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '99999999999999999999-99999999999999999999',
  '18446744073709551616-0',
  '-1--1',
  '1e400',
];

/** Control characters and the code points that end or reorder lines. */
const controlChar = fc.constantFrom('\u0000', '\u0001', '\u0007', '\b', '\t', '\n', '\v', '\f', '\r', '\u001b', '\u007f', '\u0085', '\u2028', '\u2029', '\u200b');

/** A string that an attacker or a broken client might send in place of any text. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: controlChar, maxLength: 20 }), weight: 2 },
  { arbitrary: fc.integer({ min: 256, max: 70_000 }).map(long), weight: 1 },
);

/** Any JSON value of a type other than the one asked for. */
export const anyJson: fc.Arbitrary<JsonText> = fc.jsonValue({ maxDepth: 3 }).map(json);

/** A huge JSON string: bodies well past any sane limit for a procedure. */
export const hugeJsonString: fc.Arbitrary<JsonText> = fc.constantFrom(65 * 1024, 1024 * 1024).map((bytes) => `"${long(bytes)}"`);

/** Arrays or objects nested deeper than any schema, up to 20,000 levels. */
export const deeplyNested: fc.Arbitrary<JsonText> = fc.constantFrom(64, 1000, 20_000).map(nested);

/** Objects whose own keys try to reach Object.prototype when merged or spread. */
export const prototypePolluter: fc.Arbitrary<JsonText> = fc.constantFrom(
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"__proto__":{"sessionId":"0b5c6f8e-4d1a-4c3e-9f2b-7a8d9e0f1a2b","isAdmin":true}}',
  '{"prototype":{"polluted":"yes"},"toString":"x","valueOf":1,"hasOwnProperty":null}',
);

/** A JSON value a field should never receive: a hostile string, a wrong type, a bomb or a polluter. */
export const hostileJson: fc.Arbitrary<JsonText> = fc.oneof(
  { arbitrary: hostileString.map(json), weight: 5 },
  { arbitrary: anyJson, weight: 4 },
  { arbitrary: prototypePolluter, weight: 1 },
  { arbitrary: deeplyNested, weight: 1 },
  { arbitrary: hugeJsonString, weight: 1 },
);

/** Nothing, as procedures without input expect, or something they never asked for. */
export const noInput: fc.Arbitrary<JsonText | undefined> = fc.option(hostileJson, { nil: undefined, freq: 3 });

/** Ids that look like UUIDs, more or less: a fuzzed id should often get past the first check. */
export const uuidLike: fc.Arbitrary<string> = fc.oneof(
  fc.uuid(),
  fc.uuid().map((id) => id.toUpperCase()),
  fc.uuid().map((id) => ` ${id}\t`),
  fc.uuid().map((id) => id.replaceAll('-', '')),
  fc.uuid().map((id) => `${id}${id}`),
  fc.uuid().map((id) => `{${id}}`),
);

/** What a procedure receives as a session id: mostly the live one or a near miss, sometimes anything. */
export const sessionIdField: fc.Arbitrary<JsonText> = fc.oneof(
  { arbitrary: fc.constant(json(LIVE.sessionId)), weight: 5 },
  { arbitrary: uuidLike.map(json), weight: 2 },
  { arbitrary: hostileJson, weight: 3 },
);

/** A file id field: the live session's file, another id, or anything. */
export const fileIdField: fc.Arbitrary<JsonText> = fc.oneof(
  { arbitrary: fc.constant(json(LIVE.fileId)), weight: 3 },
  { arbitrary: uuidLike.map(json), weight: 2 },
  { arbitrary: hostileJson, weight: 2 },
);

/** Stream ids (`<ms>-<seq>`) as strings, including ones past 2^64 and ones that only look like ids. */
export const eventIdString: fc.Arbitrary<JsonText> = fc.oneof(
  fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 20n - 1n }), fc.bigInt({ min: 0n, max: 10n ** 20n - 1n })).map(([ms, seq]) => json(`${ms}-${seq}`)),
  fc.constantFrom('"0-0"', '"0-1"', '"$"', '"+"', '"-"', '">"', '"*"'),
  hostileString.map(json),
);

/** A `lastEventId` field: a string like the above, or any other JSON. */
export const eventIdField: fc.Arbitrary<JsonText> = fc.oneof({ arbitrary: eventIdString, weight: 3 }, { arbitrary: hostileJson, weight: 1 });

/**
 * An object of the given fields, each present or not, valid or hostile, with sometimes a
 * prototype-polluting key or a duplicate key added, as JSON text.
 */
export function objectOf(fields: Record<string, fc.Arbitrary<JsonText>>): fc.Arbitrary<JsonText> {
  const entries = Object.entries(fields).map(([key, value]) => fc.option(value.map((text) => `${json(key)}:${text}`), { nil: undefined, freq: 5 }));
  const extra = fc.option(
    fc.constantFrom(
      '"__proto__":{"polluted":"yes"}',
      '"constructor":{"prototype":{"polluted":"yes"}}',
      `"sessionId":${json(LIVE.sessionId)}`,
      '"sessionId":null',
      '"":""',
    ),
    { nil: undefined, freq: 4 },
  );
  return fc.tuple(fc.tuple(...entries), extra).map(([present, more]) => `{${[...present, more].filter((part) => part !== undefined).join(',')}}`);
}

/** The Cookie header: none, the live credential, or something that only resembles one. */
export const cookieHeader: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 3 },
  { arbitrary: fc.constant(`${CREDENTIAL_COOKIE}=${LIVE.credential}`), weight: 4 },
  {
    arbitrary: fc.constantFrom(
      `${CREDENTIAL_COOKIE}=bogus`,
      `${CREDENTIAL_COOKIE}=`,
      `${CREDENTIAL_COOKIE}=%E0%A4%A`,
      `${CREDENTIAL_COOKIE}="${LIVE.credential}"`,
      `${CREDENTIAL_COOKIE}=bogus; ${CREDENTIAL_COOKIE}=${LIVE.credential}`,
      `${CREDENTIAL_COOKIE}=${LIVE.credential}; ${CREDENTIAL_COOKIE}=bogus`,
      `${CREDENTIAL_COOKIE}=${long(8000)}`,
      '=; ;; =x; a=b=c',
      '__proto__=x; constructor=y',
      `__Host-${CREDENTIAL_COOKIE}=${LIVE.credential}`,
    ),
    weight: 2,
  },
);

/** The Origin header: mostly absent, sometimes foreign, null or not an origin at all. */
export const originHeader: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 6 },
  {
    arbitrary: fc.constantFrom('null', 'http://evil.example', 'http://127.0.0.1', 'file://', 'http://[::1]', 'not a url', 'http://a:99999', `http://${long(4000)}.example`),
    weight: 1,
  },
);

function encodeBytes(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => (/[\w.~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/**
 * Encodes every byte of a string's UTF-8 that is not unreserved, as a careful client would (lone
 * surrogates too); tokens stay as they are, to be expanded when the request is sent.
 */
export function percentEncode(text: string): string {
  return text.split(new RegExp(`(${TOKEN.source})`)).map((part, index) => (index % 2 === 1 ? part : encodeBytes(part))).join('');
}

/** A query or path value: percent-encoded properly, or with raw `%` garbage a lax client leaves in. */
export const urlValue: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: hostileString.map(percentEncode), weight: 4 },
  { arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%2e%2e%2f', '%%%', '%u0041', '%C0%AF'), weight: 1 },
);
