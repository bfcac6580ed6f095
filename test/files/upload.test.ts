import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { restErrorBodySchema } from '../../src/shared/errors.js';
import { isTrpcError } from '../support/trpc-client.js';
import { newBrowser } from '../support/browsers.js';
import { download, ELF, MiB, PE, PNG, readAll, uploadedFileId, uploadForm, uploadRaw } from '../support/file-uploads.js';
import { DATABASE_AND_STORE_KINDS } from '../support/store-kinds.js';
import { allKeys, eventsOnce, settledFile, useFilesApp } from '../support/files-app.js';

const MAX_UPLOAD_BYTES = 22 * MiB;
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function errorOf(response: Response) {
  const body = restErrorBodySchema.parse(await response.json());
  expect(body.error.message).toMatch(/^[A-Z].{20,}/);
  return body.error;
}

describe.each(DATABASE_AND_STORE_KINDS)('uploads and downloads on %s with the %s store', (database, store) => {
  const h = useFilesApp({ database, store, env: { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) } });

  const sessionKeys = (sessionId: string) => allKeys(h.storage, `sessions/${sessionId}/`);
  const stagingKeys = () => allKeys(h.storage, 'staging/');
  const rowsOf = (sessionId: string) => h.t.app.db.models.SessionFile.findAll({ where: { sessionId } });

  it('stores a small upload in the session namespace and serves it back byte-exact, as an attachment', async () => {
    const browser = await newBrowser(h.url);
    const response = await uploadRaw(h.url, PNG, { sessionId: browser.sessionId, name: 'photo.png', cookie: browser.cookie, contentType: 'image/png' });
    const fileId = await uploadedFileId(response);
    expect(response.headers.get('location')).toBe(`/api/files/${fileId}`);

    const row = await settledFile(h.t, fileId);
    expect(row).toMatchObject({ status: 'stored', name: 'photo.png', contentType: 'image/png', size: PNG.length, sha256: sha(PNG) });
    expect(row.objectKey).toBe(`sessions/${browser.sessionId}/files/${fileId}/photo.png`);
    expect(await sessionKeys(browser.sessionId)).toEqual([row.objectKey]);
    expect(await stagingKeys()).toEqual([]);

    const got = await download(h.url, fileId, browser.cookie);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(got.headers.get('content-disposition')).toBe(`attachment; filename="photo.png"; filename*=UTF-8''photo.png`);
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(got.headers.get('content-length')).toBe(String(PNG.length));
    expect(got.headers.get('etag')).toBe(`"${sha(PNG)}"`);
    expect((await readAll(got.body)).equals(PNG)).toBe(true);

    const listed = await browser.client.files.list.query({ sessionId: browser.sessionId });
    expect(listed).toEqual([expect.objectContaining({ fileId, status: 'stored', name: 'photo.png', size: PNG.length, sha256: sha(PNG) })]);

    const events = await eventsOnce(h, browser.sessionId, (all) => all.some((event) => event.type === 'file.stored'));
    expect(events.filter((event) => event.type.startsWith('file.')).map((event) => event.type)).toEqual(['file.added', 'file.stored']);
    const audit = (await h.t.app.services.audit.forSession(browser.sessionId)).map((entry) => entry.event);
    expect(audit.filter((event) => event === 'file.uploaded')).toHaveLength(1);
  });

  it('streams multipart-sized uploads (21 MiB) raw, chunked and as a form, byte-exact on download', async () => {
    const browser = await newBrowser(h.url);
    const data = randomBytes(21 * MiB);
    const ids = [
      await uploadedFileId(await uploadRaw(h.url, data, { sessionId: browser.sessionId, name: 'big.bin', cookie: browser.cookie })),
      await uploadedFileId(await uploadRaw(h.url, data, { sessionId: browser.sessionId, name: 'chunked.bin', cookie: browser.cookie, chunked: true })),
      await uploadedFileId(await uploadForm(h.url, data, 'form.bin', { sessionId: browser.sessionId, cookie: browser.cookie })),
    ];
    for (const fileId of ids) {
      const row = await settledFile(h.t, fileId, 60_000);
      expect(row).toMatchObject({ status: 'stored', size: data.length, sha256: sha(data), contentType: 'application/octet-stream' });
      const got = await download(h.url, fileId, browser.cookie);
      expect(got.status).toBe(200);
      expect(sha(await readAll(got.body))).toBe(sha(data));
    }
    const names = (await rowsOf(browser.sessionId)).map((row) => row.name).sort();
    expect(names).toEqual(['big.bin', 'chunked.bin', 'form.bin']);
  });

  it('serves a byte range with 206', async () => {
    const browser = await newBrowser(h.url);
    const data = randomBytes(10_000);
    const fileId = await uploadedFileId(await uploadRaw(h.url, data, { sessionId: browser.sessionId, name: 'r.bin', cookie: browser.cookie }));
    await settledFile(h.t, fileId);
    const got = await download(h.url, fileId, browser.cookie, { range: 'bytes=100-199' });
    expect(got.status).toBe(206);
    expect(got.headers.get('content-range')).toBe('bytes 100-199/10000');
    expect((await readAll(got.body)).equals(data.subarray(100, 200))).toBe(true);
  });

  it('refuses a Content-Length over MAX_UPLOAD_BYTES at once with 413, leaving nothing', async () => {
    const browser = await newBrowser(h.url);
    const response = await uploadRaw(h.url, randomBytes(MAX_UPLOAD_BYTES + 1), { sessionId: browser.sessionId, name: 'huge.bin', cookie: browser.cookie });
    expect(response.status).toBe(413);
    const error = await errorOf(response);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toContain('22 MiB');
    expect(await rowsOf(browser.sessionId)).toEqual([]);
    expect(await sessionKeys(browser.sessionId)).toEqual([]);
    expect(await stagingKeys()).toEqual([]);
    const audit = await h.t.app.services.audit.forSession(browser.sessionId);
    expect(audit.filter((entry) => entry.event === 'file.rejected').map((entry) => entry.metadata.reason)).toEqual(['too_large']);
  });

  it('cuts off a body that grows past MAX_UPLOAD_BYTES with 413 and removes its staged bytes (raw and form)', async () => {
    const browser = await newBrowser(h.url);
    const data = randomBytes(MAX_UPLOAD_BYTES + 2 * MiB);
    const raw = await uploadRaw(h.url, data, { sessionId: browser.sessionId, name: 'growing.bin', cookie: browser.cookie, chunked: true });
    expect(raw.status).toBe(413);
    expect((await errorOf(raw)).code).toBe('PAYLOAD_TOO_LARGE');
    // A form's Content-Length leaves room for its other fields, so this one is cut off as it streams too.
    const form = await uploadForm(h.url, data.subarray(0, MAX_UPLOAD_BYTES + 1), 'form.bin', { sessionId: browser.sessionId, cookie: browser.cookie });
    expect(form.status).toBe(413);
    expect(await rowsOf(browser.sessionId)).toEqual([]);
    expect(await stagingKeys()).toEqual([]);
    expect(await sessionKeys(browser.sessionId)).toEqual([]);
    // Exactly at the limit is fine.
    const exact = await uploadRaw(h.url, data.subarray(0, MAX_UPLOAD_BYTES), { sessionId: browser.sessionId, name: 'exact.bin', cookie: browser.cookie, chunked: true });
    expect((await settledFile(h.t, await uploadedFileId(exact), 60_000)).status).toBe('stored');
  });

  it('makes hostile names safe and keeps every key inside the session prefix', async () => {
    const browser = await newBrowser(h.url);
    const cases: [string, string][] = [
      ['../../etc/passwd', 'passwd.txt'],
      ['/etc/shadow', 'shadow.txt'],
      ['C:\\Windows\\notes.txt', 'notes.txt'],
      ['a\0b.txt', 'ab.txt'],
      ['..', 'file.txt'],
      ['report\u202Etxt.exe', 'reporttxt.txt'],
      ['run.bat', 'run.txt'],
      ['data.csv', 'data.csv'],
      ['résumé 文件.txt', 'résumé 文件.txt'],
    ];
    const longName = 'n'.repeat(3000) + '.txt';
    for (const [raw, expected] of [...cases, [longName, ''] as [string, string]]) {
      const fileId = await uploadedFileId(await uploadRaw(h.url, Buffer.from(`content of ${JSON.stringify(raw.slice(0, 20))}\n`), { sessionId: browser.sessionId, name: raw, cookie: browser.cookie }));
      const row = await settledFile(h.t, fileId);
      expect(row.status).toBe('stored');
      if (expected) expect(row.name).toBe(expected);
      else expect(row.name).toMatch(/^n{196}\.txt$/);
      expect(row.objectKey).toBe(`sessions/${browser.sessionId}/files/${fileId}/${row.name}`);
      const got = await download(h.url, fileId, browser.cookie);
      const disposition = got.headers.get('content-disposition') ?? '';
      const encoded = /filename\*=UTF-8''(.+)$/.exec(disposition)?.[1] ?? '';
      expect(decodeURIComponent(encoded)).toBe(row.name);
      expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+"; /);
      await got.arrayBuffer();
    }
    expect((await allKeys(h.storage, 'sessions/')).filter((key) => !/^sessions\/[0-9a-f-]{36}\/files\/[0-9a-f-]{36}\/[^/]+$/.test(key))).toEqual([]);
  });

  it('reads the real type from the bytes: a PNG declared as HTML is stored as image/png', async () => {
    const browser = await newBrowser(h.url);
    const fileId = await uploadedFileId(await uploadRaw(h.url, PNG, { sessionId: browser.sessionId, name: 'page.html', cookie: browser.cookie, contentType: 'text/html' }));
    const row = await settledFile(h.t, fileId);
    expect(row).toMatchObject({ status: 'stored', contentType: 'image/png', name: 'page.png' });
    expect((await download(h.url, fileId, browser.cookie)).headers.get('content-type')).toBe('image/png');
  });

  it.each([
    ['text named .js', 'app.js', Buffer.from('alert(document.cookie);\n'), 'app.txt', 'text/plain; charset=utf-8'],
    ['a .bat with one byte that is not UTF-8', 'run.bat', Buffer.from('@echo off\r\ndel C:\\ \xff\r\n', 'latin1'), 'run.bin', 'application/octet-stream'],
    ['text named .html', 'page.html', Buffer.from('<script>alert(1)</script>\n'), 'page.txt', 'text/plain; charset=utf-8'],
    ['bytes of no known type with no extension', 'blob', Buffer.from([0x00, 0x01, 0xfe, 0xff]), 'blob.bin', 'application/octet-stream'],
    ['CSV text', 'table.csv', Buffer.from('a,b\n1,2\n'), 'table.csv', 'text/plain; charset=utf-8'],
  ])('names the stored file by its detected type: %s', async (_label, name, bytes, storedAs, contentType) => {
    const browser = await newBrowser(h.url);
    const fileId = await uploadedFileId(await uploadRaw(h.url, bytes, { sessionId: browser.sessionId, name, cookie: browser.cookie, contentType: 'application/javascript' }));
    const row = await settledFile(h.t, fileId);
    expect(row).toMatchObject({ status: 'stored', name: storedAs, contentType });
    expect(row.objectKey).toBe(`sessions/${browser.sessionId}/files/${fileId}/${storedAs}`);
    const got = await download(h.url, fileId, browser.cookie);
    expect(got.headers.get('content-disposition')).toContain(`filename="${storedAs}"`);
    expect((await readAll(got.body)).equals(bytes)).toBe(true);
  });

  it.each([
    ['an ELF program named photo.png', ELF, 'ELF'],
    ['a PE program named photo.png', PE, 'PE'],
  ])('refuses %s: failed, its bytes removed', async (_label, bytes, what) => {
    const browser = await newBrowser(h.url);
    const fileId = await uploadedFileId(await uploadRaw(h.url, bytes, { sessionId: browser.sessionId, name: 'photo.png', cookie: browser.cookie, contentType: 'image/png' }));
    const row = await settledFile(h.t, fileId);
    expect(row.status).toBe('failed');
    expect(await sessionKeys(browser.sessionId)).toEqual([]);
    expect(await stagingKeys()).toEqual([]);
    expect((await download(h.url, fileId, browser.cookie)).status).toBe(404);

    const events = await eventsOnce(h, browser.sessionId, (all) => all.some((event) => event.type === 'file.failed'));
    const failed = events.find((event) => event.type === 'file.failed');
    expect(failed?.type === 'file.failed' ? failed.reason : '').toContain(what);
    const audit = await h.t.app.services.audit.forSession(browser.sessionId);
    expect(audit.filter((entry) => entry.event === 'file.rejected').map((entry) => entry.metadata.reason)).toEqual(['executable']);
    const listed = await browser.client.files.list.query({ sessionId: browser.sessionId });
    expect(listed.map((file) => file.status)).toEqual(['failed']);
  });

  it('refuses an empty file with a clear 400, leaving nothing', async () => {
    const browser = await newBrowser(h.url);
    const response = await uploadRaw(h.url, Buffer.alloc(0), { sessionId: browser.sessionId, name: 'empty.txt', cookie: browser.cookie });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).message).toContain('empty');
    expect(await rowsOf(browser.sessionId)).toEqual([]);
    expect(await stagingKeys()).toEqual([]);
  });

  it('refuses uploads without a credential (401), with another session’s credential (403), from a foreign origin (403)', async () => {
    const owner = await newBrowser(h.url);
    const other = await newBrowser(h.url);
    const data = randomBytes(2048);
    const anonymous = await uploadRaw(h.url, data, { sessionId: owner.sessionId, name: 'a.bin' });
    expect(anonymous.status).toBe(401);
    expect((await errorOf(anonymous)).code).toBe('UNAUTHORIZED');
    const foreign = await uploadRaw(h.url, data, { sessionId: owner.sessionId, name: 'a.bin', cookie: other.cookie });
    expect(foreign.status).toBe(403);
    expect((await errorOf(foreign)).code).toBe('FORBIDDEN');
    const crossOrigin = await uploadRaw(h.url, data, { sessionId: owner.sessionId, name: 'a.bin', cookie: owner.cookie, origin: 'http://evil.example' });
    expect(crossOrigin.status).toBe(403);
    await crossOrigin.arrayBuffer();
    const unknown = await uploadRaw(h.url, data, { sessionId: randomUUID(), name: 'a.bin', cookie: owner.cookie });
    expect(unknown.status).toBe(404);
    const malformed = await uploadRaw(h.url, data, { sessionId: 'not-a-uuid', name: 'a.bin', cookie: owner.cookie });
    expect(malformed.status).toBe(400);
    expect((await errorOf(malformed)).message).toContain('sessionId');
    const nameless = await uploadRaw(h.url, data, { sessionId: owner.sessionId, cookie: owner.cookie });
    expect(nameless.status).toBe(400);
    expect((await errorOf(nameless)).message).toContain('name');
    expect(await rowsOf(owner.sessionId)).toEqual([]);
    expect(await stagingKeys()).toEqual([]);
  });

  it('serves a download to its own session only: 401 without a credential, 403 for another session, 404 for unknown ids', async () => {
    const owner = await newBrowser(h.url);
    const other = await newBrowser(h.url);
    const fileId = await uploadedFileId(await uploadRaw(h.url, PNG, { sessionId: owner.sessionId, name: 'mine.png', cookie: owner.cookie }));
    await settledFile(h.t, fileId);
    const anonymous = await download(h.url, fileId);
    expect(anonymous.status).toBe(401);
    const foreign = await download(h.url, fileId, other.cookie);
    expect(foreign.status).toBe(403);
    expect((await errorOf(foreign)).code).toBe('FORBIDDEN');
    expect((await download(h.url, randomUUID(), owner.cookie)).status).toBe(404);
    expect((await download(h.url, 'nope', owner.cookie)).status).toBe(400);
    expect((await download(h.url, fileId, owner.cookie)).status).toBe(200);
  });

  it('removes a file: its object goes, the row is marked, file.removed is emitted and file.deleted audited', async () => {
    const owner = await newBrowser(h.url);
    const other = await newBrowser(h.url);
    const fileId = await uploadedFileId(await uploadRaw(h.url, PNG, { sessionId: owner.sessionId, name: 'gone.png', cookie: owner.cookie }));
    await settledFile(h.t, fileId);

    const refused = await other.client.files.remove.mutate({ sessionId: owner.sessionId, fileId }).catch((error: unknown) => error);
    expect(isTrpcError(refused) && refused.data?.code).toBe('FORBIDDEN');
    const wrongSession = await other.client.files.remove.mutate({ sessionId: other.sessionId, fileId }).catch((error: unknown) => error);
    expect(isTrpcError(wrongSession) && wrongSession.data?.code).toBe('NOT_FOUND');

    expect(await owner.client.files.remove.mutate({ sessionId: owner.sessionId, fileId })).toEqual({ ok: true });
    expect(await sessionKeys(owner.sessionId)).toEqual([]);
    expect((await h.t.app.db.models.SessionFile.findByPk(fileId))?.status).toBe('deleted');
    expect(await owner.client.files.list.query({ sessionId: owner.sessionId })).toEqual([]);
    expect((await download(h.url, fileId, owner.cookie)).status).toBe(404);
    const again = await owner.client.files.remove.mutate({ sessionId: owner.sessionId, fileId }).catch((error: unknown) => error);
    expect(isTrpcError(again) && again.data?.code).toBe('NOT_FOUND');

    await h.t.app.services.events.flush();
    const events = (await h.t.app.services.events.since(owner.sessionId, null)).map((entry) => entry.event);
    expect(events.filter((event) => event.type === 'file.removed')).toEqual([{ type: 'file.removed', fileId }]);
    const audit = await h.t.app.services.audit.forSession(owner.sessionId);
    expect(audit.filter((entry) => entry.event === 'file.deleted').map((entry) => entry.metadata)).toEqual([{ reason: 'removed', fileId, name: 'gone.png' }]);
  });

  it('reports the object store in /readyz', async () => {
    const response = await fetch(`${h.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ready', checks: { objectStore: 'ok' } });
  });
});
