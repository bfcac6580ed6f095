import fc from 'fast-check';
import { ADMIN_TOKEN_PARAM } from '../../../src/shared/admin.js';
import { ADMIN_TOKEN, basic, bearer } from '../../support/admin-clients.js';
import type { JsonText } from './arbitraries.js';

/** The fuzz targets of the procedures turn the admin API on, so that fuzzed input gets past its gate. */
export const ADMIN_FUZZ_ENV = { ADMIN_TOKEN } as const;

/**
 * Credentials that are either the admin token or no token at all, as the gate reads them. A wrong
 * token is left out on purpose: ten of them lock the fuzzer's one address out of the admin API for
 * fifteen minutes (access.test.ts proves that), and the rest of the run would then reach no admin
 * procedure past the gate.
 */
const NOT_A_TOKEN = ['', 'Bearer', 'Bearer ', 'Bearer \t ', 'Basic', 'Basic !!!', `Basic ${Buffer.from('no colon').toString('base64')}`, `Basic ${Buffer.from('ops:').toString('base64')}`, 'Token x', 'bearer'];

/** The Authorization header of an HTTP request or a WebSocket upgrade: mostly the token (for the admin procedures' sake), often none. */
export const authorizationHeader: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 3 },
  { arbitrary: fc.constantFrom(bearer(ADMIN_TOKEN).authorization, basic(ADMIN_TOKEN).authorization, `bEaReR   ${ADMIN_TOKEN}  `), weight: 5 },
  { arbitrary: fc.constantFrom(...NOT_A_TOKEN), weight: 1 },
);

/** The first message of a socket opened with `?connectionParams=1` that carries the token, as the admin page sends it. */
export const adminConnectionParams: fc.Arbitrary<JsonText> = fc.constantFrom(
  JSON.stringify({ method: 'connectionParams', data: { [ADMIN_TOKEN_PARAM]: ADMIN_TOKEN } }),
  JSON.stringify({ method: 'connectionParams', data: { [ADMIN_TOKEN_PARAM]: ADMIN_TOKEN, token: 'x' } }),
  JSON.stringify({ method: 'connectionParams', data: { [ADMIN_TOKEN_PARAM]: '' } }),
);
