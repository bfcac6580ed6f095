import fc from 'fast-check';
import {
  anyJson,
  eventIdField,
  fileIdField,
  hostileJson,
  hostileString,
  noInput,
  objectOf,
  percentEncode,
  sessionIdField,
  uuidLike,
  type JsonText,
} from './arbitraries.js';
import { ADMIN_PROCEDURE_INPUTS } from './admin-inputs.js';
import { LIVE, long } from './macros.js';

/** One procedure call: the path tRPC routes on and its input as JSON text (absent: no input). */
export interface ProcedureCall {
  path: string;
  input: JsonText | undefined;
}

const json = (value: unknown): JsonText => JSON.stringify(value);

const sessionInput = objectOf({ sessionId: sessionIdField });

/** Chat text: a sentence, a hostile string, nothing but spaces, too long, or not a string. */
const chatText: fc.Arbitrary<JsonText> = fc.oneof(
  { arbitrary: fc.lorem({ maxCount: 8 }).map(json), weight: 3 },
  { arbitrary: hostileJson, weight: 3 },
  { arbitrary: fc.constantFrom(json('   '), json(long(4000)), json(long(4001)), json('\u0000'.repeat(10))), weight: 1 },
);

/** Attachments: the live session's file, unknown ids, too many, duplicates, or not a list. */
const fileIdsField: fc.Arbitrary<JsonText> = fc.oneof(
  fc.array(fileIdField, { maxLength: 4 }).map((ids) => `[${ids.join(',')}]`),
  fc.constant(`[${Array.from({ length: 21 }, () => json(LIVE.fileId)).join(',')}]`),
  hostileJson,
);

const cursorField: fc.Arbitrary<JsonText> = fc.oneof(fc.constant('null'), uuidLike.map(json), hostileJson);

/** Each procedure of the API with inputs shaped like its own, more or less. */
const PROCEDURE_INPUTS: Record<string, fc.Arbitrary<JsonText | undefined>> = {
  'session.generate': noInput,
  'session.current': noInput,
  'session.validate': sessionInput,
  'session.reset': sessionInput,
  'session.events': objectOf({ sessionId: sessionIdField, lastEventId: eventIdField }),
  'files.list': sessionInput,
  'files.remove': objectOf({ sessionId: sessionIdField, fileId: fileIdField }),
  'chat.list': objectOf({ sessionId: sessionIdField, cursor: cursorField }),
  'chat.send': objectOf({ sessionId: sessionIdField, text: chatText, fileIds: fileIdsField }),
  ...ADMIN_PROCEDURE_INPUTS,
};

export const PROCEDURE_PATHS = Object.keys(PROCEDURE_INPUTS);

/** Paths no procedure has: near misses, prototype keys, separators, very long or not ASCII. */
export const oddProcedurePath: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    'session',
    'session.',
    '.session.current',
    'session..current',
    'session.current.',
    'SESSION.CURRENT',
    'nope',
    'session.nope',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'session.__proto__',
    'session.constructor',
    'session.constructor.prototype',
    '__proto__.polluted',
    'hasOwnProperty',
    '_def',
    'session._def',
    'createCaller',
    long(5000),
  ),
  hostileString,
);

/** A call of a real procedure with a fuzzed input, or of a path that names none. */
export const procedureCall: fc.Arbitrary<ProcedureCall> = fc.oneof(
  { arbitrary: fc.constantFrom(...PROCEDURE_PATHS).chain((path) => fc.record({ path: fc.constant(path), input: PROCEDURE_INPUTS[path] ?? noInput })), weight: 8 },
  { arbitrary: fc.constantFrom(...PROCEDURE_PATHS).chain((path) => fc.record({ path: fc.constant(path), input: fc.option(hostileJson, { nil: undefined }) })), weight: 2 },
  { arbitrary: fc.record({ path: oddProcedurePath, input: fc.option(anyJson, { nil: undefined }) }), weight: 1 },
);

/** A procedure path as it goes into a URL: encoded, so that hostile paths still make a request. */
export function pathSegment(path: string): string {
  return path.split('.').map(percentEncode).join('.');
}
