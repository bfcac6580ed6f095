/**
 * The floor of the WebSocket validate figure: a bare node:http handler that does what validation
 * cannot avoid, one primary-key lookup of the session row in the same database file (or the same
 * PostgreSQL database), and answers it as JSON. No framework, no credential, no audit, no write.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import sqlite3 from 'sqlite3';
import { serveParent } from '../lib/child.js';

type Lookup = (id: string) => Promise<unknown>;

const STATEMENTS = 8;

function sqliteLookup(file: string): { lookup: Lookup; close(): Promise<void> } {
  // One long-lived connection, and the lookup prepared once on it: a few statements taken in turn,
  // since sqlite3 runs one call of a statement at a time (as the app's own reads do, PreparedReads).
  const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY);
  db.configure('busyTimeout', 5000);
  const statements = Array.from({ length: STATEMENTS }, () => db.prepare('SELECT * FROM user_sessions WHERE id = ?'));
  let next = 0;
  return {
    lookup: (id) =>
      new Promise((resolve, reject) => {
        const statement = statements[next++ % STATEMENTS];
        statement?.all([id], (error: Error | null, rows: unknown[]) => { if (error) reject(error); else resolve(rows[0]); });
      }),
    close: async () => {
      await Promise.all(statements.map((statement) => new Promise((resolve) => { statement.finalize(resolve); })));
      await new Promise((resolve) => { db.close(() => { resolve(undefined); }); });
    },
  };
}

function postgresLookup(url: string): { lookup: Lookup; close(): Promise<void> } {
  // The same pool size as the app's (DATABASE_POOL_MAX, 20 by default): the floor gets no more connections than Tabsync.
  // A named statement, prepared once per connection (as the app's reads are).
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  return {
    lookup: async (id) => (await pool.query({ name: 'session_by_id', text: 'SELECT * FROM user_sessions WHERE id = $1', values: [id] })).rows[0] as unknown,
    close: () => pool.end(),
  };
}

const target = process.env.BENCH_LOOKUP_DATABASE ?? '';
const store = target.startsWith('postgres') ? postgresLookup(target) : sqliteLookup(target.replace(/^sqlite:/, ''));

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const { sessionId } = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { sessionId?: string };
    store.lookup(sessionId ?? '').then(
      (row) => {
        res.writeHead(row ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ row: row ?? null }));
      },
      (error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      },
    );
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

serveParent({ url: `http://127.0.0.1:${port}` }, {}, async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await store.close();
});
