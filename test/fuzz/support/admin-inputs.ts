import fc from 'fast-check';
import { hostileJson, noInput, objectOf, type JsonText } from './arbitraries.js';
import { LIVE, long } from './macros.js';

/**
 * Inputs of the admin procedures. Most of them are filters the schemas take, at the edges of what
 * they take, so that the query runs with them: a call with every field picked from hostile values
 * stops at the schema, and the edges that break a database (PostgreSQL has no year 0; an id past a
 * double is Infinity) would never reach one. The rest have any field hostile.
 */

const json = (value: unknown): JsonText => JSON.stringify(value);

const takenSessionId: fc.Arbitrary<JsonText> = fc.oneof(fc.constant(json(LIVE.sessionId)), fc.uuid().map(json));

const takenEvent: fc.Arbitrary<JsonText> = fc.constantFrom('session.generated', 'session.validation_failed', 'admin.auth_failed', 'a.b', '_._', `a.${long(5000)}`).map(json);

const takenOutcome: fc.Arbitrary<JsonText> = fc.constantFrom('success', 'failure', 'refused').map(json);

/** ISO 8601 times the schema takes: from year 0000 to the last nanosecond of 9999. */
const takenTime: fc.Arbitrary<JsonText> = fc.oneof(
  fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((date) => json(date.toISOString())),
  fc.constantFrom('0000-01-01T00:00:00Z', '0000-12-31T23:59:59.999Z', '0001-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999999999Z', '2024-02-29T12:00:00Z').map(json),
);

/** Positive whole numbers up to the largest a double holds exactly, with the 32-bit edge. */
const takenId: fc.Arbitrary<JsonText> = fc.oneof(
  fc.integer({ min: 1, max: 1000 }).map(json),
  fc.constantFrom('1', '2147483647', '2147483648', String(Number.MAX_SAFE_INTEGER)),
  fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }).map(json),
);

const takenLimit: fc.Arbitrary<JsonText> = fc.oneof(fc.integer({ min: 1, max: 200 }).map(json), fc.constantFrom('1', '200'));

/** Numbers that are not a whole positive one of 53 bits, or not a number at all. */
const refusedNumber: fc.Arbitrary<JsonText> = fc.oneof(fc.constantFrom('0', '-1', '-0', '1.5', '1e-7', '201', '9007199254740993', '1e308'), hostileJson);

const refusedTime: fc.Arbitrary<JsonText> = fc.oneof(
  fc.constantFrom('2023-02-31T00:00:00Z', '2023-01-01T24:00:00Z', '2023-01-01', '2023-01-01T00:00:00+14:00', '+275760-09-13T00:00:00.000Z', '-000001-01-01T00:00:00Z').map(json),
  hostileJson,
);

/**
 * An audit row id as a string, as the tail resumes after it (in its input, or as tRPC's client sends
 * it, in the envelope): digits of any length, past 2^53 and past a double too, or near misses.
 */
export const auditRowIdString: fc.Arbitrary<JsonText> = fc.oneof(
  { arbitrary: fc.constantFrom('0', '1', '00000000000000000001', String(Number.MAX_SAFE_INTEGER), String(Number.MAX_SAFE_INTEGER + 2), '9'.repeat(20), '9'.repeat(309), '9'.repeat(400)).map(json), weight: 3 },
  { arbitrary: fc.bigInt({ min: 0n, max: 10n ** 30n }).map((id) => json(String(id))), weight: 2 },
  { arbitrary: fc.constantFrom('1e3', '-1', '1.5', ' 1', '').map(json), weight: 1 },
);

const tailRowId: fc.Arbitrary<JsonText> = fc.oneof({ arbitrary: auditRowIdString, weight: 6 }, { arbitrary: fc.oneof(takenId, refusedNumber), weight: 1 });

export const ADMIN_PROCEDURE_INPUTS: Record<string, fc.Arbitrary<JsonText | undefined>> = {
  'admin.overview': noInput,
  'admin.audit.list': fc.oneof(
    {
      arbitrary: objectOf({ sessionId: takenSessionId, event: takenEvent, outcome: takenOutcome, from: takenTime, to: takenTime, cursor: takenId, limit: takenLimit }),
      weight: 3,
    },
    {
      arbitrary: objectOf({
        sessionId: fc.oneof(takenSessionId, hostileJson),
        event: fc.oneof(takenEvent, fc.constantFrom('session.generated ', 'DROP TABLE', 'SESSION.GENERATED').map(json), hostileJson),
        outcome: fc.oneof(takenOutcome, fc.constantFrom('SUCCESS', '').map(json), hostileJson),
        from: fc.oneof(takenTime, refusedTime),
        to: fc.oneof(takenTime, refusedTime),
        cursor: fc.oneof(takenId, refusedNumber),
        limit: fc.oneof(takenLimit, refusedNumber),
      }),
      weight: 1,
    },
  ),
  'admin.audit.tail': fc.option(objectOf({ lastEventId: tailRowId }), { nil: undefined, freq: 6 }),
};
