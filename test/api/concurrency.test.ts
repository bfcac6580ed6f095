import { describe, expect, it } from 'vitest';
import { CREDENTIAL_COOKIE } from '../../src/shared/limits.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { useTestApp } from '../support/test-app.js';
import { createTestClient } from '../support/trpc-client.js';
import { countSessions, sha256Hex } from '../support/api-requests.js';

const BROWSERS = 200;

describe.each(DATABASE_KINDS)('concurrent session.generate on %s', (kind) => {
  const t = useTestApp({ database: kind, env: { RATE_LIMIT_PER_MINUTE: String(BROWSERS * 2) } });

  it(`gives ${BROWSERS} browsers generating at once ${BROWSERS} distinct sessions and credentials`, async () => {
    const browsers = Array.from({ length: BROWSERS }, () => createTestClient(t.url));
    const sessions = await Promise.all(browsers.map((browser) => browser.client.session.generate.mutate()));
    const credentials = browsers.map((browser) => browser.jar.get(CREDENTIAL_COOKIE));

    expect(new Set(sessions.map((session) => session.sessionId)).size).toBe(BROWSERS);
    expect(credentials.every((credential) => typeof credential === 'string' && credential.length >= 43)).toBe(true);
    expect(new Set(credentials).size).toBe(BROWSERS);
    expect(await countSessions(t)).toBe(BROWSERS);

    // Each browser's cookie opens its own session and no other.
    const current = await Promise.all(browsers.map((browser) => browser.client.session.current.query()));
    expect(current.map((session) => session?.sessionId)).toEqual(sessions.map((session) => session.sessionId));

    const rows = await t.app.db.models.UserSession.findAll();
    const hashes = new Map(rows.map((row) => [row.id, row.tokenHash]));
    sessions.forEach((session, index) => { expect(hashes.get(session.sessionId)).toBe(sha256Hex(credentials[index] ?? '')); });
    expect(await t.app.db.models.AuditLog.count({ where: { event: 'session.generated' } })).toBe(BROWSERS);
  });
});
