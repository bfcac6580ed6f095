import { randomBytes, randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/server/db/database.js';
import { createMigrator } from '../../src/server/db/migrator.js';
import { toFileView } from '../../src/server/services/files/file.view.js';
import { createTestDatabase, DATABASE_KINDS } from '../support/databases.js';
import { newBrowser } from '../support/browsers.js';
import { eventually } from '../support/eventually.js';
import { download, PE, PNG, readAll, uploadedFileId, uploadRaw, uploadUrl } from '../support/file-uploads.js';
import { eventsOnce, settledFile, useFilesApp } from '../support/files-app.js';
import { connectRaw, uploadHead } from './support/raw-http.js';

/** A GIF (1×1) and an SVG whose script would run if the page showed it. */
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>\n');

describe.each(DATABASE_KINDS)('what became of an upload, kept with the file, on %s', (database) => {
  const h = useFilesApp({ database, store: 'local' });

  it('keeps a refused file’s specific reason: a later files.list (a reload) says what its event said', async () => {
    const browser = await newBrowser(h.url);
    const fileId = await uploadedFileId(await uploadRaw(h.url, PE, { sessionId: browser.sessionId, name: 'big.exe', cookie: browser.cookie }));
    expect((await settledFile(h.t, fileId)).status).toBe('failed');

    const events = await eventsOnce(h, browser.sessionId, (all) => all.some((event) => event.type === 'file.failed'));
    const failed = events.find((event) => event.type === 'file.failed');
    expect(failed?.type === 'file.failed' && failed.file.failure).toEqual({ code: 'executable', reason: failed?.type === 'file.failed' ? failed.reason : '' });

    // A new client, as a reloaded page is: only what the server kept.
    const [listed] = await browser.client.files.list.query({ sessionId: browser.sessionId });
    expect(listed?.status).toBe('failed');
    expect(listed?.failure?.code).toBe('executable');
    expect(listed?.failure?.reason).toBe('Programs cannot be shared here: this file is a Windows program (PE), whatever its name says.');
    expect(listed?.renamed).toBeNull();
  });

  it('keeps the reason of an upload the client cut short', async () => {
    const browser = await newBrowser(h.url);
    const connection = await connectRaw(h.url);
    const target = new URL(uploadUrl(h.url, browser.sessionId, 'half.bin'));
    await connection.write(uploadHead(h.url, target.pathname + target.search, { cookie: browser.cookie, 'content-type': 'application/octet-stream', 'content-length': 100_000 }));
    await connection.write(randomBytes(1000));
    await eventually(async () => (await h.t.app.db.models.SessionFile.count({ where: { sessionId: browser.sessionId } })) > 0, 10_000, 'the upload row');
    connection.socket.destroy();

    await eventually(async () => (await browser.client.files.list.query({ sessionId: browser.sessionId }))[0]?.status === 'failed', 10_000, 'the file failing');
    const [listed] = await browser.client.files.list.query({ sessionId: browser.sessionId });
    expect(listed?.failure).toEqual({ code: 'client_aborted', reason: 'The upload was interrupted before the whole file arrived. Please send it again.' });
  });

  it.each([
    ['random bytes named .mp4', 'big-video.mp4', randomBytes(4096), 'big-video.bin', /^its bytes are not \.mp4 or any other type recognised here, so it is kept as \.bin/],
    ['a PNG named .html', 'page.html', PNG, 'page.png', /^its bytes are image\/png, not \.html, so it is kept as \.png\.$/],
    ['a script named .js', 'app.js', Buffer.from('alert(1);\n'), 'app.txt', /^its bytes are text, kept as \.txt so that opening it never runs or renders it \(as \.js could\)\.$/],
  ])('says why a file was renamed: %s', async (_label, name, bytes, storedAs, because) => {
    const browser = await newBrowser(h.url);
    const fileId = await uploadedFileId(await uploadRaw(h.url, bytes, { sessionId: browser.sessionId, name, cookie: browser.cookie }));
    expect((await settledFile(h.t, fileId)).status).toBe('stored');
    const events = await eventsOnce(h, browser.sessionId, (all) => all.some((event) => event.type === 'file.stored'));
    const stored = events.find((event) => event.type === 'file.stored');
    const [listed] = await browser.client.files.list.query({ sessionId: browser.sessionId });
    expect(listed?.name).toBe(storedAs);
    expect(listed?.renamed?.from).toBe(name);
    expect(listed?.renamed?.because).toMatch(because);
    expect(stored?.type === 'file.stored' && stored.file.renamed).toEqual(listed?.renamed);
    expect(listed?.failure).toBeNull();
  });

  it('does not call a file renamed whose extension its bytes bear out', async () => {
    const browser = await newBrowser(h.url);
    const fileId = await uploadedFileId(await uploadRaw(h.url, PNG, { sessionId: browser.sessionId, name: 'photo.png', cookie: browser.cookie }));
    await settledFile(h.t, fileId);
    const [listed] = await browser.client.files.list.query({ sessionId: browser.sessionId });
    expect(listed).toMatchObject({ name: 'photo.png', renamed: null, failure: null });
  });

  it('serves a raster image inline when asked (a thumbnail), and anything else as an attachment', async () => {
    const browser = await newBrowser(h.url);
    const upload = async (bytes: Buffer, name: string) => {
      const fileId = await uploadedFileId(await uploadRaw(h.url, bytes, { sessionId: browser.sessionId, name, cookie: browser.cookie }));
      await settledFile(h.t, fileId);
      return fileId;
    };
    const png = await upload(PNG, 'photo.png');
    const gif = await upload(GIF, 'anim.gif');
    const svg = await upload(SVG, 'logo.svg');
    const text = await upload(Buffer.from('plain words\n'), 'notes.txt');

    for (const [fileId, type, name] of [[png, 'image/png', 'photo.png'], [gif, 'image/gif', 'anim.gif']] as const) {
      const inline = await download(h.url, `${fileId}?inline=1`, browser.cookie);
      expect(inline.status).toBe(200);
      expect(inline.headers.get('content-type')).toBe(type);
      expect(inline.headers.get('content-disposition')).toBe(`inline; filename="${name}"; filename*=UTF-8''${name}`);
      expect(inline.headers.get('x-content-type-options')).toBe('nosniff');
      expect(inline.headers.get('content-security-policy')).toContain('sandbox');
      await readAll(inline.body);
    }
    const pngBytes = await readAll((await download(h.url, `${png}?inline=1`, browser.cookie)).body);
    expect(pngBytes.equals(PNG)).toBe(true);
    // Without asking, an image is a download as before.
    expect((await download(h.url, png, browser.cookie)).headers.get('content-disposition')).toMatch(/^attachment; /);

    // An SVG is stored as text (its bytes are text) and is never shown inline; nor is any other text.
    for (const fileId of [svg, text]) {
      const asked = await download(h.url, `${fileId}?inline=1`, browser.cookie);
      expect(asked.status).toBe(200);
      expect(asked.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(asked.headers.get('content-disposition')).toMatch(/^attachment; /);
      expect(asked.headers.get('x-content-type-options')).toBe('nosniff');
      await readAll(asked.body);
    }

    // The same owner check as a download.
    const other = await newBrowser(h.url);
    expect((await download(h.url, `${png}?inline=1`, other.cookie)).status).toBe(403);
    expect((await download(h.url, `${png}?inline=1`)).status).toBe(401);
  });
});

describe.each(DATABASE_KINDS)('files that failed before reasons were kept, on %s', (kind) => {
  it('read as failed for an unknown reason once the migration has run', async () => {
    const testDb = await createTestDatabase(kind);
    const db = createDatabase(testDb.url);
    try {
      const migrator = createMigrator(db.sequelize);
      await migrator.up({ to: '0002-audit-chain' });
      const sessionId = randomUUID();
      const fileId = randomUUID();
      const now = new Date();
      await db.sequelize.query(
        'INSERT INTO user_sessions (id, token_hash, status, created_at, last_seen_at, expires_at, version) VALUES (:sessionId, :hash, :status, :now, :now, :now, 1)',
        { replacements: { sessionId, hash: randomBytes(32).toString('hex'), status: 'active', now }, type: QueryTypes.INSERT },
      );
      await db.sequelize.query(
        'INSERT INTO session_files (id, session_id, object_key, name, content_type, size, status, created_at, updated_at) VALUES (:fileId, :sessionId, :key, :name, :type, 3, :status, :now, :now)',
        { replacements: { fileId, sessionId, key: `staging/${fileId}`, name: 'old.exe', type: 'application/octet-stream', status: 'failed', now }, type: QueryTypes.INSERT },
      );
      await migrator.up();
      const row = await db.models.SessionFile.findByPk(fileId);
      if (!row) throw new Error('the row is gone');
      expect(toFileView(row)).toMatchObject({ status: 'failed', failure: { code: 'unknown', reason: 'It was refused when it was checked. Please upload it again.' }, renamed: null });
    } finally {
      await db.close();
      await testDb.drop();
    }
  });
});
