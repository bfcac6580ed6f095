import { beforeAll, describe, expect, it } from 'vitest';
import { INTERNAL_MESSAGE } from '../../src/server/api/error-shape.js';
import { CREDENTIAL_COOKIE } from '../../src/shared/limits.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { useTestApp } from '../support/test-app.js';
import { createTestClient } from '../support/trpc-client.js';
import { expectTrpcCode, restError, trpcErrorBodySchema, trpcFailure } from '../support/api-errors.js';
import { GENEROUS_LIMITS, REST_GENERATE, REST_VALIDATE, postJson } from '../support/api-requests.js';

/** Words that only a stack trace, a driver or a query would put in a body. */
const LEAKS = /stack|sequelize|sqlite|postgres|\bpg\b|select|insert|update\s|from\s+"|ConnectionManager|node_modules|\.ts:\d+|\bat\s+\S+\s+\(|Error:/i;

describe.each(DATABASE_KINDS)('error bodies in production on %s', (kind) => {
  const t = useTestApp({ database: kind, env: { ...GENEROUS_LIMITS, NODE_ENV: 'production' } });
  let credential = '';
  let sessionId = '';

  beforeAll(async () => {
    const browser = createTestClient(t.url);
    sessionId = (await browser.client.session.generate.mutate()).sessionId;
    credential = browser.jar.get(CREDENTIAL_COOKIE) ?? '';
  });

  it('answers 500 INTERNAL_SERVER_ERROR with nothing but a generic message and a request id (fault injected: database closed)', async () => {
    expect(t.app.config.env).toBe('production');
    await t.app.db.sequelize.close();

    // The typed client: code, status and message, as a developer meets them.
    const browser = createTestClient(t.url, { headers: { cookie: `${CREDENTIAL_COOKIE}=${credential}` } });
    for (const call of [
      () => browser.client.session.generate.mutate(),
      () => browser.client.session.validate.mutate({ sessionId }),
      () => browser.client.session.reset.mutate({ sessionId }),
      () => browser.client.session.current.query(),
    ]) {
      const error = await trpcFailure(call());
      expectTrpcCode(error, 'INTERNAL_SERVER_ERROR', 500);
      expect(error.message).toBe(INTERNAL_MESSAGE);
      expect(error.data?.requestId).toBe(browser.lastResponse?.headers.get('x-request-id'));
    }

    // The raw tRPC body, every byte of it.
    const raw = await postJson(t.url, '/api/trpc/session.validate', { sessionId }, { cookie: `${CREDENTIAL_COOKIE}=${credential}` });
    expect(raw.status).toBe(500);
    const rawText = await raw.text();
    expect(rawText).not.toMatch(LEAKS);
    const { error: trpcError } = trpcErrorBodySchema.parse(JSON.parse(rawText));
    expect(trpcError.message).toBe(INTERNAL_MESSAGE);
    expect(trpcError.data).toEqual({ code: 'INTERNAL_SERVER_ERROR', httpStatus: 500, requestId: raw.headers.get('x-request-id') });

    // The REST aliases.
    for (const [path, body] of [[REST_GENERATE, undefined], [REST_VALIDATE, { sessionId }]] as const) {
      const response = await postJson(t.url, path, body, { cookie: `${CREDENTIAL_COOKIE}=${credential}` });
      expect(response.status).toBe(500);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const text = await response.clone().text();
      expect(text).not.toMatch(LEAKS);
      const error = await restError(response);
      expect(error).toEqual({ code: 'INTERNAL_SERVER_ERROR', httpStatus: 500, message: INTERNAL_MESSAGE, requestId: response.headers.get('x-request-id') });
    }
  });

  it('answers a malformed JSON body on a REST alias with 400 and a clear message, not the parser\'s', async () => {
    const response = await fetch(`${t.url}${REST_VALIDATE}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{sessionId:' });
    expect(response.status).toBe(400);
    const text = await response.clone().text();
    expect(text).not.toMatch(/Unexpected token|position \d+|SyntaxError/i);
    const error = await restError(response);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^The request body is not valid JSON\. Send an object such as/);
  });
});
