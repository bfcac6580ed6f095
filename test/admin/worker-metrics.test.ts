import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorkerApp, type WorkerApp } from '../../jobs/worker-app.js';
import { loadConfig } from '../../src/server/config/env.js';
import { createObjectStore } from '../../src/server/storage/create-object-store.js';
import { QUEUE_NAMES } from '../../src/shared/jobs.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { newBrowser } from '../support/browsers.js';
import { eventually } from '../support/eventually.js';
import { useFilesApp } from '../support/files-app.js';
import { HookedStore } from '../support/store-wrappers.js';
import { ADMIN_TOKEN, bearer, sample, scrape, WRONG_TOKEN } from '../support/admin-clients.js';

/** Workers started alone (`npm run worker`) with WORKER_METRICS_PORT serve their own /metrics and probes. */
describe.each(DATABASE_KINDS)('metrics of workers running alone on %s', (database) => {
  // Port 0: the worker's host listens where the system puts it, and says where.
  const h = useFilesApp({ database, store: 'local', env: { ADMIN_TOKEN, WORKER_METRICS_PORT: '0' }, workers: false });
  let workers: WorkerApp;
  let url: string;
  beforeAll(async () => {
    workers = await h.startWorkers();
    if (workers.httpUrl === undefined) throw new Error('the workers serve nothing although WORKER_METRICS_PORT is set');
    url = workers.httpUrl;
  });

  it('answers /healthz and /readyz with the database, Redis and the object store', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toBe(h.url);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok', objectStore: 'ok' } });
    expect((await fetch(`${url}/admin/queues`)).status).toBe(404);
  });

  it('asks its dependencies once for /readyz hits that come together or within a second', async () => {
    let pings = 0;
    const counted = new HookedStore(createObjectStore(h.t.app.config), (operation) => { if (operation === 'ping') pings += 1; });
    const probed = await h.startWorkers({ storage: counted });
    try {
      const base = probed.httpUrl ?? '';
      const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${base}/readyz`)));
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect(pings).toBe(1);
    } finally {
      await probed.close();
    }
  });

  it('refuses /metrics without the admin token or with a wrong one, and audits the wrong one', async () => {
    const missing = await fetch(`${url}/metrics`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await missing.text()).not.toContain('tabsync_');
    const wrong = await fetch(`${url}/metrics`, { headers: bearer(WRONG_TOKEN) });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('tabsync_');
    // The refusal is this process's own audit row, counted in its own registry.
    expect(sample(await scrape(url), 'tabsync_refusals_total', { reason: 'admin_auth' })).toBe(1);
  });

  it('counts the jobs it runs and the expiries it records, and shows all four queues', async () => {
    const before = await scrape(url);
    for (const queue of Object.values(QUEUE_NAMES)) expect(before).toContain(`tabsync_queue_jobs{queue="${queue}",state="waiting"}`);

    const idle = await newBrowser(h.url);
    await h.t.app.db.models.UserSession.update({ expiresAt: new Date(Date.now() - 1000) }, { where: { id: idle.sessionId } });
    await h.t.app.queues.expireSessions.add(QUEUE_NAMES.expireSessions, {});
    const grew = (text: string, name: string, labels: Record<string, string>) => sample(text, name, labels) - sample(before, name, labels);
    await eventually(async () => grew(await scrape(url), 'tabsync_job_duration_seconds_count', { queue: QUEUE_NAMES.expireSessions }) === 1, 20_000, 'the expiry job being counted');
    expect(grew(await scrape(url), 'tabsync_session_events_total', { event: 'expired' })).toBe(1);
    // The web server runs no workers here: its registry never saw the job.
    expect(sample(await scrape(h.url), 'tabsync_job_duration_seconds_count', { queue: QUEUE_NAMES.expireSessions })).toBe(0);
  });

  it('serves nothing of its own where workers run in the server, whose /metrics counts them', async () => {
    const inServer = await h.startWorkers({ metrics: h.t.app.metrics });
    try {
      expect(inServer.httpUrl).toBeUndefined();
    } finally {
      await inServer.close();
    }
  });

  it('answers /metrics 404 when ADMIN_TOKEN is unset, and still its probes', async () => {
    const untokened = await createWorkerApp({ ...h.t.app.config, adminToken: undefined }, {
      log: pino({ level: 'silent' }),
      redisUrl: h.t.app.redisUrl,
      redisPrefix: h.redisPrefix,
      scheduleMaintenance: false,
      shutdownGraceMs: 5000,
    });
    try {
      const base = untokened.httpUrl;
      if (base === undefined) throw new Error('the workers serve nothing although WORKER_METRICS_PORT is set');
      expect(base).not.toBe(url);
      expect((await fetch(`${base}/metrics`, { headers: bearer(ADMIN_TOKEN) })).status).toBe(404);
      expect((await fetch(`${base}/metrics`)).status).toBe(404);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      await untokened.close();
    }
    // Closed with the workers: nothing listens there any more.
    await expect(fetch(`${untokened.httpUrl}/healthz`)).rejects.toThrow();
  });
});

describe('WORKER_METRICS_PORT', () => {
  it('is off when unset, and a bad value stops start-up naming it', () => {
    expect(loadConfig({}).workerMetricsPort).toBeUndefined();
    expect(loadConfig({ WORKER_METRICS_PORT: '9464' }).workerMetricsPort).toBe(9464);
    expect(() => loadConfig({ WORKER_METRICS_PORT: '70000' })).toThrow(/^Invalid environment variable WORKER_METRICS_PORT \(got "70000"\): must be at most 65535/);
  });
});
