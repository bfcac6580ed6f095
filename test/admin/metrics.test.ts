import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/test-app.js';
import { createWsTestClient } from '../support/ws-client.js';
import { recordEvents } from '../support/subscription.js';
import { cookieHeader, theCredentialCookie } from '../support/set-cookies.js';
import { FOREIGN_ORIGIN, postJson, REST_GENERATE, REST_VALIDATE, UNKNOWN_SESSION_ID } from '../support/api-requests.js';
import { sessionViewSchema } from '../../src/shared/session.js';
import { ADMIN_TOKEN, sample, scrape } from '../support/admin-clients.js';

const LIMIT = 3;

describe('metrics at /metrics', () => {
  const t = useTestApp({ env: { ADMIN_TOKEN, RATE_LIMIT_PER_MINUTE: String(LIMIT) } });

  it('serves the process defaults, the queues and the tabsync_ metrics in Prometheus text', async () => {
    const response = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    for (const queue of ['upload', 'cleanup-orphans', 'expire-sessions', 'archive-audit']) {
      expect(text).toContain(`tabsync_queue_jobs{queue="${queue}",state="waiting"}`);
    }
    for (const name of ['tabsync_ws_connections', 'tabsync_subscriptions', 'tabsync_http_requests_total', 'tabsync_audit_batch_size']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it('moves under traffic: sessions, a 429, a socket and its subscription, audit rows', async () => {
    const before = await scrape(t.url);
    const sessions: { sessionId: string; credential: string }[] = [];
    let refused = 0;
    for (let i = 0; i <= LIMIT; i++) {
      const response = await postJson(t.url, REST_GENERATE, undefined);
      if (response.status === 429) refused += 1;
      else sessions.push({ sessionId: sessionViewSchema.parse(await response.json()).sessionId, credential: theCredentialCookie(response.headers).value });
    }
    expect(refused).toBe(1);
    await postJson(t.url, REST_VALIDATE, { sessionId: UNKNOWN_SESSION_ID });
    const foreign = await postJson(t.url, REST_VALIDATE, { sessionId: UNKNOWN_SESSION_ID }, { origin: FOREIGN_ORIGIN });
    expect(foreign.status).toBe(403);

    const [{ sessionId, credential } = { sessionId: '', credential: '' }] = sessions;
    const ws = createWsTestClient(t.url, { cookie: cookieHeader(credential) });
    const subscription = recordEvents(ws, { sessionId });
    await subscription.started;
    try {
      // "started" is sent when the procedure returns its iterator; the subscription joins the event bus
      // once the iterator first runs, a moment later.
      const subscribed = sample(before, 'tabsync_subscriptions') + 1;
      await expect.poll(async () => sample(await scrape(t.url), 'tabsync_subscriptions')).toBe(subscribed);
      const during = await scrape(t.url);
      expect(sample(during, 'tabsync_ws_connections')).toBe(sample(before, 'tabsync_ws_connections') + 1);
      expect(sample(during, 'tabsync_subscriptions')).toBe(subscribed);
      const grew = (name: string, labels: Record<string, string> = {}) => sample(during, name, labels) - sample(before, name, labels);
      expect(grew('tabsync_session_events_total', { event: 'generated' })).toBe(LIMIT);
      expect(grew('tabsync_session_events_total', { event: 'validation_failed' })).toBe(1);
      expect(grew('tabsync_refusals_total', { reason: 'rate_limit' })).toBe(1);
      expect(grew('tabsync_refusals_total', { reason: 'origin' })).toBe(1);
      expect(grew('tabsync_http_requests_total', { method: 'POST', route: REST_GENERATE, status: '200' })).toBe(LIMIT);
      expect(grew('tabsync_http_requests_total', { method: 'POST', route: REST_GENERATE, status: '429' })).toBe(1);
      expect(grew('tabsync_http_request_duration_seconds_count', { method: 'POST', route: REST_GENERATE, status: '429' })).toBe(1);
      expect(grew('tabsync_audit_rows_written_total', { event: 'session.generated' })).toBe(LIMIT);
      expect(grew('tabsync_audit_batch_size_count')).toBeGreaterThan(0);
    } finally {
      subscription.unsubscribe();
      await ws.close();
    }
  });

  it('labels a route by its pattern, never by the raw path', async () => {
    await fetch(`${t.url}/api/files/${UNKNOWN_SESSION_ID}`);
    const text = await scrape(t.url);
    expect(text).toContain('route="/api/files/*"');
    expect(text).not.toContain(UNKNOWN_SESSION_ID);
  });
});
