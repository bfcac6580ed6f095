import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditRowView } from '../../src/shared/admin.js';
import { sessionViewSchema } from '../../src/shared/session.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { useTestApp } from '../support/test-app.js';
import { GENEROUS_LIMITS, postJson, REST_GENERATE, REST_VALIDATE, UNKNOWN_SESSION_ID } from '../support/api-requests.js';
import { ADMIN_TOKEN, adminHttpClient, adminWsClient, bearer } from '../support/admin-clients.js';

async function generateSession(url: string): Promise<string> {
  const response = await postJson(url, REST_GENERATE, undefined);
  return sessionViewSchema.parse(await response.json()).sessionId;
}

describe.each(DATABASE_KINDS)('admin.audit.list, admin.audit.tail and admin.overview on %s', (database) => {
  const t = useTestApp({ database, env: { ADMIN_TOKEN, ...GENEROUS_LIMITS } });
  let admin: ReturnType<typeof adminHttpClient>;
  let sessionIds: string[];
  let startedAt: string;

  beforeAll(async () => {
    admin = adminHttpClient(t.url, bearer(ADMIN_TOKEN));
    startedAt = new Date().toISOString();
    sessionIds = [];
    for (let i = 0; i < 3; i++) sessionIds.push(await generateSession(t.url));
    await postJson(t.url, REST_VALIDATE, { sessionId: UNKNOWN_SESSION_ID });
    // Without its cookie: a failed validation, on the session's own record.
    await postJson(t.url, REST_VALIDATE, { sessionId: sessionIds[0] });
  });

  it('lists rows newest first, filtered by session, event, outcome and time', async () => {
    const all = await admin.admin.audit.list.query({});
    const ids = all.rows.map((row) => row.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(all.rows.length).toBeGreaterThanOrEqual(5);

    const first = await admin.admin.audit.list.query({ sessionId: sessionIds[0] });
    expect(first.rows.map((row) => row.event)).toEqual(['session.validation_failed', 'session.generated']);

    const generated = await admin.admin.audit.list.query({ event: 'session.generated' });
    expect(generated.rows.map((row) => row.sessionId).sort()).toEqual([...sessionIds].sort());

    const failed = await admin.admin.audit.list.query({ outcome: 'failure' });
    expect(failed.rows.length).toBeGreaterThan(0);
    expect(failed.rows.every((row) => row.outcome === 'failure')).toBe(true);
    expect(failed.rows.map((row) => row.event)).toContain('session.validation_failed');

    expect((await admin.admin.audit.list.query({ to: startedAt })).rows).toEqual([]);
    const since = await admin.admin.audit.list.query({ from: startedAt, event: 'session.generated' });
    expect(since.rows).toHaveLength(3);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await admin.admin.audit.list.query({ from: future })).rows).toEqual([]);
  });

  it('pages with a cursor through every row once, newest first', async () => {
    const everything = await admin.admin.audit.list.query({ limit: 200 });
    const seen: AuditRowView[] = [];
    let cursor: number | undefined;
    for (let page = 0; page < 100; page++) {
      const result = await admin.admin.audit.list.query({ limit: 2, cursor });
      expect(result.rows.length).toBeLessThanOrEqual(2);
      seen.push(...result.rows);
      if (result.nextCursor === null) break;
      cursor = result.nextCursor;
    }
    expect(seen.map((row) => row.id)).toEqual(everything.rows.map((row) => row.id));
    expect(everything.nextCursor).toBeNull();
  });

  it('refuses a malformed filter with BAD_REQUEST', async () => {
    await expect(admin.admin.audit.list.query({ event: 'DROP TABLE' })).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
  });

  it('tails rows written after subscribing, and resumes after the last id seen', async () => {
    const ws = adminWsClient(t.url, { connectionToken: ADMIN_TOKEN });
    const rows: { id: string; row: AuditRowView }[] = [];
    let onStarted!: () => void;
    const started = new Promise<void>((resolve) => { onStarted = resolve; });
    const waiters: (() => void)[] = [];
    const subscription = ws.client.admin.audit.tail.subscribe({}, {
      onStarted: () => { onStarted(); },
      onData: (envelope) => {
        rows.push({ id: envelope.id, row: envelope.data });
        for (const wake of waiters.splice(0)) wake();
      },
    });
    const rowFor = async (sessionId: string) => {
      for (;;) {
        const found = rows.find(({ row }) => row.sessionId === sessionId);
        if (found) return found;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };
    try {
      await started;
      const sessionId = await generateSession(t.url);
      const live = await rowFor(sessionId);
      expect(live.row.event).toBe('session.generated');
      expect(live.id).toBe(String(live.row.id));
      // Nothing from before the subscription.
      expect(rows.some(({ row }) => sessionIds.includes(row.sessionId ?? ''))).toBe(false);
    } finally {
      subscription.unsubscribe();
      await ws.close();
    }

    const resumeFrom = String((await admin.admin.audit.list.query({ limit: 1 })).rows[0]?.id ?? 0);
    const missed = await generateSession(t.url);
    const again = adminWsClient(t.url, { connectionToken: ADMIN_TOKEN });
    try {
      const first = await new Promise<AuditRowView>((resolve) => {
        const resumed = again.client.admin.audit.tail.subscribe({ lastEventId: resumeFrom }, {
          onData: (envelope) => { resolve(envelope.data); resumed.unsubscribe(); },
        });
      });
      expect(first.sessionId).toBe(missed);
    } finally {
      await again.close();
    }
  });

  it('sums up sessions, refusals, queues and failed jobs', async () => {
    const overview = await admin.admin.overview.query();
    expect(overview.sessions.active).toBeGreaterThanOrEqual(3);
    expect(overview.sessions.startedLastHour).toBeGreaterThanOrEqual(3);
    expect(overview.sessions.startedLastDay).toBeGreaterThanOrEqual(overview.sessions.startedLastHour);
    expect(overview.refusalsPerMinute).toHaveLength(30);
    expect(overview.queues.map((queue) => queue.name).sort()).toEqual(['archive-audit', 'cleanup-orphans', 'expire-sessions', 'upload']);
    expect(overview.dashboardPath).toBe('/admin/queues');
    expect(overview.failedJobs).toEqual([]);
  });
});
