import { describe, expect, it } from 'vitest';
import { sessionViewSchema, validateResultSchema } from '../../src/shared/session.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { useTestApp } from '../support/test-app.js';
import { createTestClient } from '../support/trpc-client.js';
import { expectActionableMessage, restError } from '../support/api-errors.js';
import { cookieHeader, credentialCookies, theCredentialCookie } from '../support/set-cookies.js';
import {
  GENEROUS_LIMITS,
  REST_GENERATE,
  REST_VALIDATE,
  UNKNOWN_SESSION_ID,
  postJson,
} from '../support/api-requests.js';

describe.each(DATABASE_KINDS)('REST aliases on %s', (kind) => {
  const t = useTestApp({ database: kind, env: GENEROUS_LIMITS });

  async function generateByRest(): Promise<{ sessionId: string; credential: string }> {
    const response = await postJson(t.url, REST_GENERATE, undefined);
    expect(response.status).toBe(200);
    const session = sessionViewSchema.parse(await response.json());
    return { sessionId: session.sessionId, credential: theCredentialCookie(response.headers).value };
  }

  it('POST /api/session/generate-uuid answers a SessionView as JSON and sets the credential cookie', async () => {
    const response = await postJson(t.url, REST_GENERATE, undefined);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body: unknown = await response.json();
    const session = sessionViewSchema.parse(body);
    expect(Object.keys(body as object).sort()).toEqual(['createdAt', 'expiresAt', 'lastSeenAt', 'sessionId', 'status', 'version']);
    expect(session.status).toBe('active');

    // The cookie it set is the same credential the typed client would use.
    const browser = createTestClient(t.url, { headers: { cookie: cookieHeader(theCredentialCookie(response.headers).value) } });
    expect(await browser.client.session.current.query()).toEqual(session);
  });

  it('accepts an empty JSON object as the body of generate-uuid', async () => {
    const response = await postJson(t.url, REST_GENERATE, {});
    expect(response.status).toBe(200);
    sessionViewSchema.parse(await response.json());
  });

  it('POST /api/session/validate-uuid answers exactly what session.validate answers', async () => {
    const { sessionId, credential } = await generateByRest();
    const browser = createTestClient(t.url, { headers: { cookie: cookieHeader(credential) } });
    const stranger = createTestClient(t.url);

    const cases: { sessionId: string; cookie?: string; expected: { valid: boolean; reason?: string } }[] = [
      { sessionId, cookie: credential, expected: { valid: true } },
      { sessionId, expected: { valid: false, reason: 'forbidden' } },
      { sessionId: UNKNOWN_SESSION_ID, cookie: credential, expected: { valid: false, reason: 'not_found' } },
    ];
    for (const { sessionId: id, cookie, expected } of cases) {
      const response = await postJson(t.url, REST_VALIDATE, { sessionId: id }, cookie ? { cookie: cookieHeader(cookie) } : {});
      expect(response.status).toBe(200);
      const rest = validateResultSchema.parse(await response.json());
      expect(rest).toMatchObject(expected);
      const procedure = await (cookie ? browser : stranger).client.session.validate.mutate({ sessionId: id });
      expect(rest).toEqual(procedure);
    }
  });

  it('answers reset and expired sessions like the procedure, and clears the owner\'s ended cookie', async () => {
    const browser = createTestClient(t.url);
    const session = await browser.client.session.generate.mutate();
    await browser.client.session.reset.mutate({ sessionId: session.sessionId });
    const resetAnswer = await postJson(t.url, REST_VALIDATE, { sessionId: session.sessionId });
    expect(validateResultSchema.parse(await resetAnswer.json())).toEqual({ valid: false, reason: 'reset' });

    const { sessionId, credential } = await generateByRest();
    await t.app.db.models.UserSession.update({ expiresAt: new Date(Date.now() - 60_000) }, { where: { id: sessionId } });
    const expired = await postJson(t.url, REST_VALIDATE, { sessionId }, { cookie: cookieHeader(credential) });
    expect(validateResultSchema.parse(await expired.json())).toEqual({ valid: false, reason: 'expired' });
    const cleared = theCredentialCookie(expired.headers);
    expect(cleared.value).toBe('');
    expect(cleared.attributes.get('max-age')).toBe('0');
  });

  it('answers a session id that is no UUID with 400 BAD_REQUEST, the issues and a readable message', async () => {
    const response = await postJson(t.url, REST_VALIDATE, { sessionId: 'not-a-uuid' });
    expect(response.status).toBe(400);
    const error = await restError(response);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.httpStatus).toBe(400);
    expect(error.requestId).toBe(response.headers.get('x-request-id'));
    expect(error.issues).toEqual([{ path: 'sessionId', message: expect.stringMatching(/UUID/) as string }]);
    expectActionableMessage(error.message);
    expect(error.message).toMatch(/sessionId/);
  });

  it('answers a missing sessionId with 400 and names the field once', async () => {
    const response = await postJson(t.url, REST_VALIDATE, {});
    expect(response.status).toBe(400);
    const error = await restError(response);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.issues?.map((issue) => issue.path)).toEqual(['sessionId']);
    expectActionableMessage(error.message);
    expect(error.message).not.toMatch(/sessionId sessionId/);
  });

  it('answers a body that is not JSON with 400 and says what to send', async () => {
    for (const path of [REST_VALIDATE, REST_GENERATE]) {
      const response = await fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sessionId": ' });
      expect(response.status).toBe(400);
      const error = await restError(response);
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.httpStatus).toBe(400);
      expectActionableMessage(error.message);
      expect(error.message).toMatch(/not valid JSON/);
      expect(error.message).toMatch(/sessionId/);
      expect(credentialCookies(response.headers)).toEqual([]);
    }
  });

  it('answers a body that is not declared as JSON with 400 naming the Content-Type to use', async () => {
    const response = await fetch(`${t.url}${REST_VALIDATE}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `{"sessionId":"${UNKNOWN_SESSION_ID}"}` });
    expect(response.status).toBe(400);
    const error = await restError(response);
    expect(error.code).toBe('BAD_REQUEST');
    expectActionableMessage(error.message);
    expect(error.message).toMatch(/Content-Type: application\/json/);
  });

  it('answers an oversized body with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await postJson(t.url, REST_VALIDATE, { sessionId: UNKNOWN_SESSION_ID, padding: 'x'.repeat(64 * 1024) });
    expect(response.status).toBe(413);
    const error = await restError(response);
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 });
    expectActionableMessage(error.message);
  });

  it('answers other methods and unknown API paths with a JSON 404', async () => {
    const response = await fetch(`${t.url}${REST_GENERATE}`);
    expect(response.status).toBe(404);
    const error = await restError(response);
    expect(error.code).toBe('NOT_FOUND');
    expectActionableMessage(error.message);
  });
});
