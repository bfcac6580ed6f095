import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { newBrowser, type Browser } from '../support/browsers.js';
import { eventually } from '../support/eventually.js';
import { uploadUrl } from '../support/file-uploads.js';
import { DATABASE_AND_STORE_KINDS } from '../support/store-kinds.js';
import { allKeys, useFilesApp } from '../support/files-app.js';
import { BOUNDARY, connectRaw, multipartParts, statusOf, uploadHead, type RawConnection } from './support/raw-http.js';

/** Small enough that busboy's own cut-off can fire before the store reads a byte (the old crash). */
const MAX_UPLOAD_BYTES = 4096;
const IDLE_TIMEOUT_MS = 3000;

interface LogLine {
  level: number;
  msg: string;
  reason?: string;
}
const ERROR_LEVEL = 50;

describe.each(DATABASE_AND_STORE_KINDS)('uploads cut short on %s with the %s store', (database, store) => {
  const logged: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => { logged.push(JSON.parse(line) as LogLine); } });
  const h = useFilesApp({
    database,
    store,
    env: { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES), UPLOAD_IDLE_TIMEOUT: `${IDLE_TIMEOUT_MS}ms` },
    appOverrides: { log },
  });

  const rowsOf = async (sessionId: string) => (await h.t.app.db.models.SessionFile.findAll({ where: { sessionId } })).map((row) => row.get({ plain: true }));
  const interruptions = () => logged.filter((line) => line.msg === 'upload interrupted');
  /** Every cut-short request ends with one such line: a request left hanging never logs it. */
  const interruptionsLogged = (count: number) => eventually(() => Promise.resolve(interruptions().length >= count), 15_000, `${count} interruptions being logged`);

  async function open(browser: Browser, headers: Record<string, string | number>, name = 'cut.bin'): Promise<RawConnection> {
    const connection = await connectRaw(h.url);
    const target = new URL(uploadUrl(h.url, browser.sessionId, name));
    await connection.write(uploadHead(h.url, target.pathname + target.search, { cookie: browser.cookie, ...headers }));
    return connection;
  }

  async function rowAppears(sessionId: string): Promise<void> {
    await eventually(async () => (await rowsOf(sessionId)).length > 0, 10_000, 'the upload row being created');
  }

  /** What every cut-short upload must leave: a live server, no row `uploading`, no bytes anywhere, no error-level log. */
  async function expectNothingLeft(sessionId: string): Promise<void> {
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    await eventually(async () => (await rowsOf(sessionId)).every((row) => row.status === 'failed'), 10_000, 'every row of the session failing');
    expect(await allKeys(h.storage, 'staging/')).toEqual([]);
    expect(await allKeys(h.storage, `sessions/${sessionId}/`)).toEqual([]);
    if (store === 'local') {
      const incomplete = await readdir(path.join(h.t.database.dataDir, 'objects', '.incomplete')).catch(() => []);
      expect(incomplete).toEqual([]);
    }
    expect(logged.filter((line) => line.level >= ERROR_LEVEL).map((line) => JSON.stringify(line))).toEqual([]);
  }

  it('survives a raw upload closed mid-body: the row ends failed, no temp file is left, the abort is logged as one', async () => {
    const browser = await newBrowser(h.url);
    const before = interruptions().length;
    const connection = await open(browser, { 'content-type': 'application/octet-stream', 'content-length': MAX_UPLOAD_BYTES });
    await connection.write(randomBytes(1000));
    await rowAppears(browser.sessionId);
    connection.socket.destroy();

    await interruptionsLogged(before + 1);
    await expectNothingLeft(browser.sessionId);
    expect((await rowsOf(browser.sessionId)).map((row) => row.status)).toEqual(['failed']);
    expect(interruptions().at(-1)).toMatchObject({ level: 30, reason: 'client_aborted' });
    const audit = await h.t.app.services.audit.forSession(browser.sessionId);
    expect(audit.filter((entry) => entry.event === 'file.rejected').map((entry) => entry.metadata.reason)).toEqual(['client_aborted']);
    await eventually(async () => (await h.t.app.services.events.since(browser.sessionId, null)).some(({ event }) => event.type === 'file.failed'), 10_000, 'file.failed');
  });

  it('answers every raw upload closed in its first milliseconds (none hangs): no row is left uploading', async () => {
    const browser = await newBrowser(h.url);
    const before = interruptions().length;
    const attempts = 10;
    for (let i = 0; i < attempts; i += 1) {
      const connection = await open(browser, { 'content-type': 'application/octet-stream', 'content-length': MAX_UPLOAD_BYTES });
      await connection.write(randomBytes(10));
      connection.socket.destroy();
    }
    await interruptionsLogged(before + attempts);
    await expectNothingLeft(browser.sessionId);
  });

  it('survives a multipart upload closed inside its file part: the row ends failed, nothing is left', async () => {
    const browser = await newBrowser(h.url);
    const before = interruptions().length;
    const { opening } = multipartParts('cut.bin');
    const connection = await open(browser, { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': MAX_UPLOAD_BYTES });
    await connection.write(Buffer.concat([opening, randomBytes(500)]));
    await rowAppears(browser.sessionId);
    connection.socket.destroy();

    await interruptionsLogged(before + 1);
    await expectNothingLeft(browser.sessionId);
    expect((await rowsOf(browser.sessionId)).map((row) => row.status)).toEqual(['failed']);
  });

  it('survives a multipart upload closed before its file part began', async () => {
    const browser = await newBrowser(h.url);
    const before = interruptions().length;
    const connection = await open(browser, { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': MAX_UPLOAD_BYTES });
    await connection.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello`);
    connection.socket.destroy();

    await interruptionsLogged(before + 1);
    await expectNothingLeft(browser.sessionId);
  });

  it('answers 413 when a multipart file part passes MAX_UPLOAD_BYTES in one write (busboy\'s limit), and keeps serving', async () => {
    const browser = await newBrowser(h.url);
    const { opening, closing } = multipartParts('big.bin');
    const body = Buffer.concat([opening, randomBytes(MAX_UPLOAD_BYTES * 2), closing]);
    const connection = await open(browser, { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': body.length }, 'big.bin');
    await connection.write(body);
    const answer = await connection.answer;

    expect(statusOf(answer)).toBe(413);
    expect(answer).toContain('PAYLOAD_TOO_LARGE');
    await expectNothingLeft(browser.sessionId);
    expect(await rowsOf(browser.sessionId)).toEqual([]);
  });

  it('lets a slow but steady upload finish, its row touched while the bytes trickle in (the heartbeat the cleanup trusts)', async () => {
    const browser = await newBrowser(h.url);
    const data = Buffer.from('slow and steady\n'.repeat(3));
    const connection = await open(browser, { 'content-type': 'text/plain', 'content-length': data.length }, 'slow.txt');
    await rowAppears(browser.sessionId);
    const [created] = await rowsOf(browser.sessionId);
    let sent = 0;
    const touched = async () => ((await rowsOf(browser.sessionId))[0]?.updatedAt.getTime() ?? 0) > (created?.updatedAt.getTime() ?? 0);
    // A byte at a time, each well inside the idle timeout, until the row has been touched at least once.
    while (sent < data.length - 1 && !(await touched())) {
      await connection.write(data.subarray(sent, sent + 1));
      sent += 1;
      await new Promise((resolve) => setTimeout(resolve, IDLE_TIMEOUT_MS / 5));
    }
    expect(await touched()).toBe(true);
    await connection.write(data.subarray(sent));
    expect(statusOf(await connection.answer)).toBe(201);
  });

  it('ends an upload that falls silent (slow loris) after UPLOAD_IDLE_TIMEOUT with 408 and a closed socket: failed, nothing left', async () => {
    const browser = await newBrowser(h.url);
    const connection = await open(browser, { 'content-type': 'application/octet-stream', 'content-length': MAX_UPLOAD_BYTES });
    await connection.write(randomBytes(100));

    // The server closes the connection itself: the promise resolves only on close.
    const answer = await connection.answer;
    expect(statusOf(answer)).toBe(408);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('TIMEOUT');
    expect(body.error.message).toMatch(/^No data arrived for 3 seconds, so the upload was stopped\. .+/);
    await expectNothingLeft(browser.sessionId);
    expect((await rowsOf(browser.sessionId)).map((row) => row.status)).toEqual(['failed']);
    expect(interruptions().at(-1)).toMatchObject({ reason: 'idle_timeout' });
  });
});
