import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { restErrorBodySchema } from '../../src/shared/errors.js';
import { expectActionableMessage } from '../support/api-errors.js';
import { sendInsistently } from '../support/insistent-client.js';
import { newBrowser, type Browser } from '../support/browsers.js';
import { PNG, uploadedFileId, uploadRaw, uploadUrl } from '../support/file-uploads.js';
import { DATABASE_AND_STORE_KINDS } from '../support/store-kinds.js';
import { settledFile, useFilesApp } from '../support/files-app.js';
import { BOUNDARY, multipartParts, uploadHead } from './support/raw-http.js';

const BUDGET = 3;
const QUOTA = 10_000;
const MAX_UPLOAD_BYTES = 8000;
/** Clients at once, each still sending its 30 MB upload when it is refused. */
const INSISTENT_CLIENTS = 25;
const HUGE_UPLOAD = 30 * 1000 * 1000;

describe.each(DATABASE_AND_STORE_KINDS)('upload budgets and quotas on %s with the %s store', (database, store) => {
  const h = useFilesApp({
    database,
    store,
    // Behind a trusted proxy each test speaks from addresses of its own, so budgets never meet.
    env: { TRUST_PROXY: 'loopback', UPLOAD_RATE_LIMIT_PER_MINUTE: String(BUDGET), SESSION_MAX_STORED_BYTES: String(QUOTA), MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) },
  });

  let lastOctet = 0;
  const freshIp = () => `198.51.100.${String((lastOctet += 1))}`;
  const from = (ip: string) => ({ 'x-forwarded-for': ip });
  const upload = (browser: Browser, body: Buffer, ip = freshIp(), chunked = false) =>
    uploadRaw(h.url, body, { sessionId: browser.sessionId, name: 'f.bin', cookie: browser.cookie, headers: from(ip), chunked });
  const auditRows = (event: string, ip: string) => h.t.app.db.models.AuditLog.findAll({ where: { event, ip } });

  async function errorOf(response: Response) {
    const body = restErrorBodySchema.parse(await response.json());
    expectActionableMessage(body.error.message);
    return body.error;
  }

  it('gives uploads a per-IP budget: over it, 429 with Retry-After and RateLimit headers, audited once through the refusal gate', async () => {
    const browser = await newBrowser(h.url);
    const ip = freshIp();
    for (let i = 0; i < BUDGET; i += 1) {
      const response = await upload(browser, PNG, ip);
      await uploadedFileId(response);
      expect(response.headers.get('ratelimit-policy')).toBe(`${BUDGET};w=60`);
      expect(response.headers.get('ratelimit')).toMatch(new RegExp(`^limit=${BUDGET}, remaining=${BUDGET - i - 1}, reset=\\d+$`));
    }
    for (let i = 0; i < 3; i += 1) {
      const refused = await upload(browser, PNG, ip);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.headers.get('ratelimit')).toMatch(/^limit=3, remaining=0, reset=\d+$/);
      expect(refused.headers.get('ratelimit-policy')).toBe(`${BUDGET};w=60`);
      const error = await errorOf(refused);
      expect(error.code).toBe('TOO_MANY_REQUESTS');
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
    }
    const audit = await auditRows('rate_limit.exceeded', ip);
    expect(audit.map((row) => row.metadata)).toEqual([{ procedure: 'files.upload' }]);
    // Another address has a budget of its own.
    await uploadedFileId(await upload(browser, PNG));
  });

  it('refuses what does not fit in the session\'s storage with 413 saying so: up front by Content-Length, and as the bytes stream', async () => {
    const browser = await newBrowser(h.url);
    const first = await uploadedFileId(await upload(browser, randomBytes(6000)));
    expect((await settledFile(h.t, first)).status).toBe('stored');

    const declared = await upload(browser, randomBytes(6000));
    expect(declared.status).toBe(413);
    const error = await errorOf(declared);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toContain("This session's storage is nearly full: only 4,000 bytes of its 10,000 bytes is left");
    const streamed = await upload(browser, randomBytes(6000), freshIp(), true);
    expect(streamed.status).toBe(413);
    expect((await errorOf(streamed)).message).toContain("session's storage");

    // What is left still fits; then nothing does.
    expect((await settledFile(h.t, await uploadedFileId(await upload(browser, randomBytes(4000))))).status).toBe('stored');
    const full = await upload(browser, randomBytes(10));
    expect(full.status).toBe(413);
    expect((await errorOf(full)).message).toContain("This session's storage is full (10,000 bytes). Remove some files");

    // Removing a file makes room; another session never shared the quota.
    await browser.client.files.remove.mutate({ sessionId: browser.sessionId, fileId: first });
    await uploadedFileId(await upload(browser, randomBytes(5000)));
    await uploadedFileId(await upload(await newBrowser(h.url), randomBytes(6000)));

    const rows = await h.t.app.db.models.SessionFile.findAll({ where: { sessionId: browser.sessionId } });
    // The refused uploads left no rows: only the three accepted ones are there.
    expect(rows).toHaveLength(3);
    const reasons = (await h.t.app.services.audit.forSession(browser.sessionId)).filter((entry) => entry.event === 'file.rejected').map((entry) => entry.metadata.reason);
    expect(reasons).toEqual(['quota_exceeded', 'quota_exceeded', 'quota_exceeded']);
  });

  it('lets only one of two uploads racing for the last bytes of the quota in', async () => {
    const browser = await newBrowser(h.url);
    await uploadedFileId(await upload(browser, randomBytes(6000)));
    const answers = await Promise.all([upload(browser, randomBytes(4000)), upload(browser, randomBytes(4000))]);
    expect(answers.map((response) => response.status).sort()).toEqual([201, 413]);
    await Promise.all(answers.map((response) => response.arrayBuffer()));
  });

  it.each([
    ['raw, declared', false, false],
    ['raw, sent in chunks', false, true],
    ['multipart, declared', true, false],
    ['multipart, sent in chunks', true, true],
  ])(`answers ${INSISTENT_CLIENTS} clients still sending a 30 MB upload (%s) with a 413 they read whole, none of them reset`, async (_label, multipart, chunked) => {
    const browser = await newBrowser(h.url);
    const target = new URL(uploadUrl(h.url, browser.sessionId, multipart ? undefined : 'huge.bin'));
    const { opening } = multipartParts('huge.bin');
    const outcomes = await Promise.all(
      Array.from({ length: INSISTENT_CLIENTS }, () => {
        const head = uploadHead(h.url, target.pathname + target.search, {
          cookie: browser.cookie,
          ...from(freshIp()),
          'content-type': multipart ? `multipart/form-data; boundary=${BOUNDARY}` : 'application/octet-stream',
          ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': (multipart ? opening.length : 0) + HUGE_UPLOAD }),
        });
        return sendInsistently(h.url, { head, opening: multipart ? opening : undefined, bodyBytes: HUGE_UPLOAD, chunked });
      }),
    );
    expect(outcomes.map((outcome) => outcome.error)).toEqual(outcomes.map(() => undefined));
    for (const outcome of outcomes) {
      expect(outcome.status).toBe(413);
      expect(outcome.head).toMatch(/\r\nconnection: close/i);
      expect(restErrorBodySchema.parse(outcome.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    }
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });

  it('writes one file.rejected row per client and minute however often its uploads are refused (the refusal gate)', async () => {
    const browser = await newBrowser(h.url);
    const ip = freshIp();
    for (let i = 0; i < BUDGET; i += 1) {
      const response = await upload(browser, randomBytes(MAX_UPLOAD_BYTES + 1), ip);
      expect(response.status).toBe(413);
      await response.arrayBuffer();
    }
    expect(await auditRows('file.rejected', ip)).toHaveLength(1);
  });
});
