import { describe, expect, it } from 'vitest';
import { auditChainParts, verifyAuditChain } from '../../src/server/services/audit/audit-verifier.js';
import { CREDENTIAL_COOKIE } from '../../src/shared/limits.js';
import { sessionViewSchema } from '../../src/shared/session.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { startTestApp, useTestApp } from '../support/test-app.js';
import { createTestClient } from '../support/trpc-client.js';
import { expectTrpcCode, trpcFailure } from '../support/api-errors.js';
import { cookieHeader, theCredentialCookie } from '../support/set-cookies.js';
import {
  GENEROUS_LIMITS,
  REST_GENERATE,
  REST_VALIDATE,
  UNKNOWN_SESSION_ID,
  auditRows,
  postJson,
  sha256Hex,
  unique,
} from '../support/api-requests.js';

describe.each(DATABASE_KINDS)('audit rows of the session API on %s', (kind) => {
  const t = useTestApp({ database: kind, env: GENEROUS_LIMITS });
  /** Every credential a test saw, so that the last test can look for them in the audit log. */
  const credentials = new Set<string>();

  /** A browser with its own user agent, so each test finds its own rows. */
  function browser(label: string) {
    const userAgent = unique(`contract-test/${label}`);
    const client = createTestClient(t.url, { headers: { 'user-agent': userAgent } });
    const requestId = () => client.lastResponse?.headers.get('x-request-id') ?? null;
    const keepCredential = () => {
      const credential = client.jar.get(CREDENTIAL_COOKIE);
      if (credential !== undefined) credentials.add(credential);
    };
    return { ...client, userAgent, requestId, keepCredential };
  }

  async function rowsBy(userAgent: string) {
    return (await auditRows(t)).filter((row) => row.userAgent === userAgent);
  }

  it('records session.generated with ip, user agent and the response\'s request id', async () => {
    const b = browser('generate');
    const session = await b.client.session.generate.mutate();
    b.keepCredential();

    const rows = await rowsBy(b.userAgent);
    expect(rows.map((row) => row.event)).toEqual(['session.generated']);
    const [row] = rows;
    expect(row?.outcome).toBe('success');
    expect(row?.sessionId).toBe(session.sessionId);
    expect(row?.ip).toBe('127.0.0.1');
    expect(row?.requestId).toBe(b.requestId());
    expect(row?.createdAt).toBeInstanceOf(Date);
  });

  it('records chat.sent for a stored message before answering: its id and file count, never its text', async () => {
    const b = browser('chat');
    const session = await b.client.session.generate.mutate();
    b.keepCredential();
    const text = unique('words only the session may read');
    const message = await b.client.chat.send.mutate({ sessionId: session.sessionId, text });

    // Read at once, with no flush: a state change answers only once its row is durable.
    const rows = await t.app.db.models.AuditLog.findAll({ where: { event: 'chat.sent', sessionId: session.sessionId } });
    expect(rows.map((row) => [row.outcome, row.metadata, row.requestId, row.userAgent])).toEqual([
      ['success', { messageId: message.messageId, attachments: 0 }, b.requestId(), b.userAgent],
    ]);
    expect(JSON.stringify(rows.map((row) => row.toJSON()))).not.toContain(text);
  });

  it('records session.validated for a valid session', async () => {
    const b = browser('validated');
    const session = await b.client.session.generate.mutate();
    b.keepCredential();
    await b.client.session.validate.mutate({ sessionId: session.sessionId });

    const rows = await rowsBy(b.userAgent);
    expect(rows.map((row) => row.event)).toEqual(['session.generated', 'session.validated']);
    const validated = rows[1];
    expect(validated).toMatchObject({ outcome: 'success', sessionId: session.sessionId, ip: '127.0.0.1', userAgent: b.userAgent, requestId: b.requestId() });
  });

  it('records session.validation_failed with the reason, for unknown ids too', async () => {
    const owner = browser('owner');
    const owned = await owner.client.session.generate.mutate();
    owner.keepCredential();

    const b = browser('validation-failed');
    await b.client.session.validate.mutate({ sessionId: UNKNOWN_SESSION_ID });
    const notFoundRequest = b.requestId();
    await b.client.session.validate.mutate({ sessionId: owned.sessionId });
    const forbiddenRequest = b.requestId();

    const rows = await rowsBy(b.userAgent);
    expect(rows.map((row) => row.event)).toEqual(['session.validation_failed', 'session.validation_failed']);
    expect(rows[0]).toMatchObject({ outcome: 'failure', sessionId: null, ip: '127.0.0.1', requestId: notFoundRequest });
    expect(rows[0]?.metadata).toMatchObject({ reason: 'not_found', requestedId: UNKNOWN_SESSION_ID });
    expect(rows[1]).toMatchObject({ outcome: 'failure', sessionId: owned.sessionId, ip: '127.0.0.1', requestId: forbiddenRequest });
    // The caller sees `forbidden`; the audit keeps the finer truth: no credential was presented at all.
    expect(rows[1]?.metadata).toMatchObject({ reason: 'unauthenticated' });

    await b.client.session.generate.mutate();
    b.keepCredential();
    await b.client.session.validate.mutate({ sessionId: owned.sessionId });
    const withOtherCredential = (await rowsBy(b.userAgent)).at(-1);
    expect(withOtherCredential).toMatchObject({ event: 'session.validation_failed', sessionId: owned.sessionId, requestId: b.requestId() });
    expect(withOtherCredential?.metadata).toMatchObject({ reason: 'forbidden' });
  });

  it('records session.reset on the old session and session.generated on its replacement, in one request', async () => {
    const b = browser('reset');
    const session = await b.client.session.generate.mutate();
    b.keepCredential();
    const next = await b.client.session.reset.mutate({ sessionId: session.sessionId });
    b.keepCredential();
    const resetRequest = b.requestId();

    const rows = await rowsBy(b.userAgent);
    expect(rows.map((row) => row.event)).toEqual(['session.generated', 'session.generated', 'session.reset']);
    const replacement = rows[1];
    const reset = rows[2];
    expect(reset).toMatchObject({ outcome: 'success', sessionId: session.sessionId, ip: '127.0.0.1', requestId: resetRequest });
    expect(reset?.metadata).toMatchObject({ newSessionId: next.sessionId });
    expect(replacement).toMatchObject({ sessionId: next.sessionId, requestId: resetRequest });
    expect(replacement?.metadata).toMatchObject({ replaces: session.sessionId });
  });

  it('joins REST alias rows to the response by request id, and ignores an X-Request-Id a client sets directly', async () => {
    const userAgent = unique('contract-test/rest');
    const generated = await postJson(t.url, REST_GENERATE, undefined, { 'user-agent': userAgent });
    const credential = theCredentialCookie(generated.headers).value;
    credentials.add(credential);
    const proxyRequestId = unique('proxy-request');
    const validated = await postJson(t.url, REST_VALIDATE, { sessionId: sessionViewSchema.parse(await generated.json()).sessionId }, {
      'user-agent': userAgent,
      cookie: cookieHeader(credential),
      'x-request-id': proxyRequestId,
    });
    expect(validated.headers.get('x-request-id')).not.toBe(proxyRequestId);

    const rows = await rowsBy(userAgent);
    expect(rows.map((row) => [row.event, row.requestId])).toEqual([
      ['session.generated', generated.headers.get('x-request-id')],
      ['session.validated', validated.headers.get('x-request-id')],
    ]);
  });

  it('keeps a well-formed X-Request-Id set by a trusted proxy', async () => {
    const proxied = await startTestApp({ sharedDatabase: t.database, env: { ...GENEROUS_LIMITS, TRUST_PROXY: 'loopback' } });
    try {
      const userAgent = unique('contract-test/proxied');
      const proxyRequestId = unique('proxy-request');
      const generated = await postJson(proxied.url, REST_GENERATE, undefined, { 'user-agent': userAgent, 'x-request-id': proxyRequestId });
      expect(generated.headers.get('x-request-id')).toBe(proxyRequestId);
      credentials.add(theCredentialCookie(generated.headers).value);
      const rows = await rowsBy(userAgent);
      expect(rows.map((row) => [row.event, row.requestId])).toEqual([['session.generated', proxyRequestId]]);
    } finally {
      await proxied.close();
    }
  });

  it('records who was refused a reset, without a row claiming the reset happened', async () => {
    const owner = browser('reset-owner');
    const owned = await owner.client.session.generate.mutate();
    owner.keepCredential();
    const other = browser('reset-other');
    await other.client.session.generate.mutate();
    other.keepCredential();

    expectTrpcCode(await trpcFailure(other.client.session.reset.mutate({ sessionId: owned.sessionId })), 'FORBIDDEN', 403);
    const resets = (await auditRows(t, 'session.reset')).filter((row) => row.sessionId === owned.sessionId);
    expect(resets).toEqual([]);
  });

  it('never holds a credential, its SHA-256 or a cookie', async () => {
    // A few more flows whose requests carry cookies: a replayed old cookie and a forged one.
    const b = browser('secrets');
    const session = await b.client.session.generate.mutate();
    b.keepCredential();
    const old = b.jar.get(CREDENTIAL_COOKIE) ?? '';
    await b.client.session.reset.mutate({ sessionId: session.sessionId });
    b.keepCredential();
    const replay = createTestClient(t.url, { headers: { cookie: cookieHeader(old) } });
    await replay.client.session.validate.mutate({ sessionId: session.sessionId });
    await trpcFailure(replay.client.session.reset.mutate({ sessionId: session.sessionId }));
    await createTestClient(t.url, { headers: { cookie: cookieHeader('forged-credential-value-that-is-long-enough-x') } }).client.session.current.query();

    const rows = await auditRows(t);
    expect(rows.length).toBeGreaterThan(10);
    const serialized = JSON.stringify(rows.map((row) => row.toJSON()));
    const sessionHashes = (await t.app.db.models.UserSession.findAll()).map((row) => row.tokenHash);
    expect(credentials.size).toBeGreaterThanOrEqual(8);
    expect(sessionHashes.length).toBeGreaterThanOrEqual(credentials.size);

    for (const credential of credentials) {
      expect(serialized).not.toContain(credential);
      expect(serialized).not.toContain(sha256Hex(credential));
      expect(serialized).not.toContain(Buffer.from(sha256Hex(credential), 'hex').toString('base64url'));
    }
    for (const hash of sessionHashes) expect(serialized).not.toContain(hash);
    expect(serialized).not.toContain(CREDENTIAL_COOKIE);
    expect(serialized).not.toMatch(/cookie/i);
  });

  it('chains every row it wrote: the whole log verifies, and each row links to the one before', async () => {
    const rows = await auditRows(t);
    expect(rows.length).toBeGreaterThan(10);
    for (const [index, row] of rows.entries()) {
      // The model types the id as a number, but PostgreSQL hands a BIGINT over as a string.
      expect(String(row.id)).toBe(String(index + 1));
      if (index > 0) expect(row.prevHash).toBe(rows[index - 1]?.hash);
    }
    const result = await verifyAuditChain(auditChainParts(t.app.db, t.app.storage, null));
    expect(result).toMatchObject({ ok: true, rows: rows.length });
  });
});
