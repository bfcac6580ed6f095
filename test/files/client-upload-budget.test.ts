import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { restErrorBodySchema } from '../../src/shared/errors.js';
import { expectActionableMessage } from '../support/api-errors.js';
import { startTestApp } from '../support/test-app.js';
import { newBrowser, type Browser } from '../support/browsers.js';
import { eventually } from '../support/eventually.js';
import { MiB, uploadedFileId, uploadRaw, uploadUrl } from '../support/file-uploads.js';
import { DATABASE_AND_STORE_KINDS } from '../support/store-kinds.js';
import { allKeys, settledFile, useFilesApp } from '../support/files-app.js';
import { connectRaw, uploadHead } from './support/raw-http.js';

/** UPLOAD_BYTES_PER_CLIENT_PER_DAY for these tests: small, so that a few uploads spend it. */
const BUDGET = 3 * MiB;
/** The wait a freshly spent day-long budget names ("try again in 24 h"). */
const DAY_WAIT = 'try again in 24 h';

describe.each(DATABASE_AND_STORE_KINDS)('the per-client upload budget on %s with the %s store', (database, store) => {
  const h = useFilesApp({
    database,
    store,
    // Behind a trusted proxy each test speaks from addresses of its own, so budgets never meet.
    env: { TRUST_PROXY: 'loopback', UPLOAD_BYTES_PER_CLIENT_PER_DAY: String(BUDGET) },
  });

  let lastOctet = 0;
  const freshIp = () => `203.0.113.${String((lastOctet += 1))}`;
  const upload = (browser: Browser, body: Buffer, ip: string, chunked = false) =>
    uploadRaw(h.url, body, { sessionId: browser.sessionId, name: 'f.bin', cookie: browser.cookie, headers: { 'x-forwarded-for': ip }, chunked });
  const uploadsOf = (browser: Browser) => h.t.app.db.models.SessionFile.findAll({ where: { sessionId: browser.sessionId } });

  /** Uploads `body` and waits until the worker has stored it (so that nothing of it stays in staging). */
  async function stored(browser: Browser, body: Buffer, ip: string, base = h.url): Promise<void> {
    const fileId = await uploadedFileId(await uploadRaw(base, body, { sessionId: browser.sessionId, name: 'f.bin', cookie: browser.cookie, headers: { 'x-forwarded-for': ip } }));
    expect((await settledFile(h.t, fileId)).status).toBe('stored');
  }

  /** A 429 of the byte budget: its sentence, a Retry-After of about a day, and the same wait in the body. */
  async function expectBudgetRefusal(response: Response, sentence: string): Promise<void> {
    const text = await response.text();
    expect(response.status, text).toBe(429);
    const { error } = restErrorBodySchema.parse(JSON.parse(text));
    expectActionableMessage(error.message);
    expect(error.code).toBe('TOO_MANY_REQUESTS');
    expect(error.message).toBe(sentence);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(23 * 3600);
    expect(retryAfter).toBeLessThanOrEqual(24 * 3600);
    expect(error.retryAfterSeconds).toBe(retryAfter);
  }

  it('bounds one address across its sessions: the third session\'s upload past the budget is refused with 429 saying so, and costs nothing', async () => {
    const ip = freshIp();
    const [first, second, third] = [await newBrowser(h.url), await newBrowser(h.url), await newBrowser(h.url)];
    const part = randomBytes(1.25 * MiB);
    await stored(first, part, ip);
    await stored(second, part, ip);

    // Refused by its Content-Length before a byte is read: no row, nothing staged.
    await expectBudgetRefusal(
      await upload(third, part, ip),
      `Your network has only 512 KiB left of its 3 MiB of uploads for the day, and this file is larger. Choose a smaller file, or ${DAY_WAIT}.`,
    );
    expect(await uploadsOf(third)).toEqual([]);
    expect(await allKeys(h.storage, 'staging/')).toEqual([]);
    const audit = await h.t.app.services.audit.forSession(third.sessionId);
    expect(audit.filter((entry) => entry.event === 'file.rejected').map((entry) => entry.metadata)).toEqual([{ reason: 'client_budget_exceeded', declaredSize: part.length }]);

    // The refusal took nothing: what is left still fits, and then nothing does.
    await stored(third, randomBytes(512 * 1024), ip);
    await expectBudgetRefusal(await upload(third, Buffer.from('x'), ip), `Your network has uploaded its 3 MiB for the day; ${DAY_WAIT}.`);
    // Another address has a budget of its own.
    await stored(third, part, freshIp());
  });

  it('counts an upload of unknown length as it arrives and cuts it with the same 429 once it passes the budget; it leaves nothing and costs nothing', async () => {
    const ip = freshIp();
    const browser = await newBrowser(h.url);
    const cut = await upload(browser, randomBytes(4 * MiB), ip, true);
    await expectBudgetRefusal(cut, `Your network has uploaded its 3 MiB for the day; ${DAY_WAIT}.`);
    expect(await uploadsOf(browser)).toEqual([]);
    expect(await allKeys(h.storage, 'staging/')).toEqual([]);

    // Every byte it was counted for is given back: the whole budget is there, to the byte.
    await stored(browser, randomBytes(BUDGET), ip);
    await expectBudgetRefusal(await upload(browser, Buffer.from('x'), ip, true), `Your network has uploaded its 3 MiB for the day; ${DAY_WAIT}.`);
  });

  it('gives back the bytes of an upload the client aborted mid-body', async () => {
    const ip = freshIp();
    const browser = await newBrowser(h.url);
    const connection = await connectRaw(h.url);
    const target = new URL(uploadUrl(h.url, browser.sessionId, 'cut.bin'));
    await connection.write(uploadHead(h.url, target.pathname + target.search, { cookie: browser.cookie, 'x-forwarded-for': ip, 'content-type': 'application/octet-stream', 'content-length': BUDGET }));
    await connection.write(randomBytes(MiB));
    await eventually(async () => (await uploadsOf(browser)).length > 0, 10_000, 'the upload row being created');
    connection.socket.destroy();
    await eventually(async () => (await uploadsOf(browser)).every((row) => row.status === 'failed'), 10_000, 'the aborted upload failing');

    await eventually(async () => {
      const response = await upload(browser, randomBytes(BUDGET), ip);
      await response.arrayBuffer();
      return response.status === 201;
    }, 10_000, 'the whole budget being there again');
    await expectBudgetRefusal(await upload(browser, Buffer.from('x'), ip), `Your network has uploaded its 3 MiB for the day; ${DAY_WAIT}.`);
  });

  it('keys IPv6 clients by /64: two addresses of one /64 share a budget, the next /64 has its own', async () => {
    const browser = await newBrowser(h.url);
    await stored(browser, randomBytes(2 * MiB), '2001:db8:0:7::1');
    await expectBudgetRefusal(
      await upload(browser, randomBytes(2 * MiB), '2001:db8:0:7:ffff:ffff:ffff:fffe'),
      `Your network has only 1 MiB left of its 3 MiB of uploads for the day, and this file is larger. Choose a smaller file, or ${DAY_WAIT}.`,
    );
    await stored(browser, randomBytes(2 * MiB), '2001:db8:0:8::1');
  });

  it('is shared by every instance: a second app on the same Redis refuses what the first one took', async () => {
    const second = await startTestApp({ database, sharedDatabase: h.t.database, env: h.env, overrides: { redisPrefix: h.redisPrefix } });
    try {
      const ip = freshIp();
      const browser = await newBrowser(h.url);
      await stored(browser, randomBytes(2 * MiB), ip);
      await expectBudgetRefusal(
        await uploadRaw(second.url, randomBytes(2 * MiB), { sessionId: browser.sessionId, name: 'f.bin', cookie: browser.cookie, headers: { 'x-forwarded-for': ip } }),
        `Your network has only 1 MiB left of its 3 MiB of uploads for the day, and this file is larger. Choose a smaller file, or ${DAY_WAIT}.`,
      );
      await stored(browser, randomBytes(MiB), ip, second.url);
    } finally {
      await second.close();
    }
  });
});
