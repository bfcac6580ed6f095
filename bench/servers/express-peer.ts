/**
 * The peer of the validate figures: what a plain Node stack does for "is this session valid"
 * with server-side sessions. express 5 + express-session + connect-redis, rolling sessions: each
 * request loads the session from Redis and touches it (a new expiry in Redis and a new cookie),
 * which is the same load-and-touch Tabsync's validate does in its database.
 */
import type { AddressInfo } from 'node:net';
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import { createClient } from 'redis';
import { serveParent } from '../lib/child.js';

declare module 'express-session' {
  interface SessionData {
    createdAt: string;
  }
}

const redis = createClient({ url: process.env.REDIS_URL });
await redis.connect();

const app = express();
app.use(express.json({ limit: '64kb' }));
app.use(
  session({
    store: new RedisStore({ client: redis, prefix: `${process.env.BENCH_REDIS_PREFIX ?? 'bench-peer'}:sess:` }),
    secret: 'bench-peer-secret-not-used-anywhere-else',
    name: 'peer_session',
    resave: false,
    rolling: true,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: 7 * 86_400_000 },
  }),
);

app.post('/api/session/generate', (req, res) => {
  req.session.createdAt = new Date().toISOString();
  res.json({ sessionId: req.sessionID });
});

app.post('/api/session/validate', (req, res) => {
  const body = req.body as { sessionId?: unknown } | undefined;
  const valid = req.session.createdAt !== undefined && body?.sessionId === req.sessionID;
  res.setHeader('Cache-Control', 'no-store');
  res.json(valid ? { valid: true, session: { sessionId: req.sessionID, createdAt: req.session.createdAt, expiresAt: new Date(Date.now() + (req.session.cookie.maxAge ?? 0)).toISOString() } } : { valid: false, reason: 'not_found' });
});

const server = app.listen(0, '127.0.0.1');
await new Promise<void>((resolve) => server.once('listening', resolve));
const { port } = server.address() as AddressInfo;

serveParent({ url: `http://127.0.0.1:${port}` }, {}, async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await redis.quit();
});
