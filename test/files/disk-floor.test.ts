import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { restErrorBodySchema } from '../../src/shared/errors.js';
import { expectActionableMessage } from '../support/api-errors.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { newBrowser, type Browser } from '../support/browsers.js';
import { MiB, uploadedFileId, uploadForm, uploadRaw } from '../support/file-uploads.js';
import { allKeys, settledFile, useFilesApp } from '../support/files-app.js';

/** STORAGE_MIN_FREE_BYTES for these tests. */
const FLOOR = 100 * MiB;
/** What the fake disk has free: 2 MiB above the floor. */
const FREE = FLOOR + 2 * MiB;

describe.each(DATABASE_KINDS)('the local disk\'s free-space floor on %s (fault injection: a fake free-space reading)', (database) => {
  const h = useFilesApp({
    database,
    store: 'local',
    // Behind a trusted proxy each test speaks from an address of its own, so the refusal gate never mixes them.
    env: { TRUST_PROXY: 'loopback', STORAGE_MIN_FREE_BYTES: String(FLOOR) },
    // The disk the tests run on has plenty free: the reading says it is nearly full instead.
    appOverrides: { readFreeBytes: () => Promise.resolve(FREE) },
  });

  let lastOctet = 0;
  const freshIp = () => `192.0.2.${String((lastOctet += 1))}`;
  const send = (browser: Browser, body: Buffer, ip: string, chunked = false) =>
    uploadRaw(h.url, body, { sessionId: browser.sessionId, name: 'f.bin', cookie: browser.cookie, headers: { 'x-forwarded-for': ip }, chunked });

  async function expectNothingStaged(browser: Browser): Promise<void> {
    expect(await h.t.app.db.models.SessionFile.findAll({ where: { sessionId: browser.sessionId } })).toEqual([]);
    expect(await allKeys(h.storage, 'staging/')).toEqual([]);
    expect(await readdir(path.join(h.t.database.dataDir, 'objects', '.incomplete')).catch(() => [])).toEqual([]);
  }

  it('answers 507 with a sentence when an upload would take the disk below the floor, leaves nothing staged, and audits it once per client', async () => {
    const browser = await newBrowser(h.url);
    const ip = freshIp();
    for (let i = 0; i < 2; i += 1) {
      const refused = await send(browser, randomBytes(3 * MiB), ip);
      const text = await refused.text();
      expect(refused.status, text).toBe(507);
      const { error } = restErrorBodySchema.parse(JSON.parse(text));
      expectActionableMessage(error.message);
      expect(error).toMatchObject({ code: 'INSUFFICIENT_STORAGE', httpStatus: 507 });
      expect(error.message).toContain('running out of disk space');
    }
    // A form says no more than its whole length; it is refused the same way.
    expect((await uploadForm(h.url, randomBytes(3 * MiB), 'f.bin', { sessionId: browser.sessionId, cookie: browser.cookie })).status).toBe(507);
    await expectNothingStaged(browser);
    const audit = await h.t.app.services.audit.forSession(browser.sessionId);
    expect(audit.filter((entry) => entry.event === 'file.rejected' && entry.ip === ip).map((entry) => entry.metadata)).toEqual([{ reason: 'disk_low', declaredSize: 3 * MiB }]);

    // What fits above the floor still goes in.
    const fileId = await uploadedFileId(await send(browser, randomBytes(MiB), ip));
    expect((await settledFile(h.t, fileId)).status).toBe('stored');
  });
});

describe.each(DATABASE_KINDS)('a disk already below its floor on %s (fault injection: a fake free-space reading)', (database) => {
  const h = useFilesApp({
    database,
    store: 'local',
    env: { STORAGE_MIN_FREE_BYTES: String(FLOOR) },
    appOverrides: { readFreeBytes: () => Promise.resolve(FLOOR - 1) },
  });

  it('refuses even an upload of unknown length with 507', async () => {
    const browser = await newBrowser(h.url);
    const refused = await uploadRaw(h.url, randomBytes(64 * 1024), { sessionId: browser.sessionId, name: 'f.bin', cookie: browser.cookie, chunked: true });
    expect(refused.status).toBe(507);
    expectActionableMessage(restErrorBodySchema.parse(await refused.json()).error.message);
    expect(await h.t.app.db.models.SessionFile.findAll({ where: { sessionId: browser.sessionId } })).toEqual([]);
  });
});

describe.each(DATABASE_KINDS)('S3 on %s has no free-space floor (fault injection: a fake free-space reading)', (database) => {
  const h = useFilesApp({
    database,
    store: 's3',
    env: { STORAGE_MIN_FREE_BYTES: String(FLOOR) },
    appOverrides: { readFreeBytes: () => Promise.resolve(0) },
  });

  it('takes uploads whatever the local disk has free', async () => {
    const browser = await newBrowser(h.url);
    const fileId = await uploadedFileId(await uploadRaw(h.url, randomBytes(MiB), { sessionId: browser.sessionId, name: 'f.bin', cookie: browser.cookie }));
    expect((await settledFile(h.t, fileId)).status).toBe('stored');
  });
});
