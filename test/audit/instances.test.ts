import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/server/db/database.js';
import { auditChainParts, verifyAuditChain } from '../../src/server/services/audit/audit-verifier.js';
import { sessionViewSchema } from '../../src/shared/session.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { cookieHeader, theCredentialCookie } from '../support/set-cookies.js';
import { GENEROUS_LIMITS, postJson, REST_GENERATE, REST_VALIDATE } from '../support/api-requests.js';

/** One browser's session on `url`: generated, then validated `times` times, concurrently. */
async function browse(url: string, times: number): Promise<void> {
  const generated = await postJson(url, REST_GENERATE, undefined);
  const { sessionId } = sessionViewSchema.parse(await generated.json());
  const cookie = cookieHeader(theCredentialCookie(generated.headers).value);
  const answers = await Promise.all(Array.from({ length: times }, () => postJson(url, REST_VALIDATE, { sessionId }, { cookie })));
  for (const answer of answers) expect(answer.status).toBe(200);
}

describe.each(DATABASE_KINDS)('two app instances writing audit rows to one %s database', (kind) => {
  let a: TestApp;
  let b: TestApp;
  /** A connection of the test's own: what it sees is what another process would see. */
  let observer: Database;

  beforeAll(async () => {
    a = await startTestApp({ database: kind, env: GENEROUS_LIMITS });
    b = await startTestApp({ sharedDatabase: a.database, env: GENEROUS_LIMITS });
    observer = createDatabase(a.database.url);
  });
  afterAll(async () => {
    await observer.close();
    await b.close();
    await a.close();
  });

  it('produce one valid chain from concurrent requests to both', async () => {
    await Promise.all([...Array.from({ length: 8 }, () => browse(a.url, 10)), ...Array.from({ length: 8 }, () => browse(b.url, 10))]);
    // Successful validations are queued, not awaited: let both instances commit what they queued.
    await Promise.all([a.app.services.audit.flush(), b.app.services.audit.flush()]);

    const result = await verifyAuditChain(auditChainParts(observer, a.app.storage, null));
    expect(result).toMatchObject({ ok: true, rows: 16 * 11 });
  });

  it('answer a state change only once its audit row is committed: the row is visible the moment the response arrives', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, () => postJson(b.url, REST_GENERATE, undefined)));

    const requestIds = responses.map((response) => response.headers.get('x-request-id'));
    const seen = await observer.sequelize.query<{ request_id: string }>(
      "SELECT request_id FROM audit_logs WHERE event = 'session.generated' AND request_id IN (:requestIds)",
      { replacements: { requestIds }, type: QueryTypes.SELECT },
    );
    expect(seen.map((row) => row.request_id).sort()).toEqual([...requestIds].sort());
  });
});
