import { beforeAll, describe, expect, it } from 'vitest';
import { newBrowser } from '../support/browsers.js';
import { eventually } from '../support/eventually.js';
import { useFilesApp } from '../support/files-app.js';
import { QUEUE_NAMES } from '../../src/shared/jobs.js';
import { ADMIN_TOKEN, sample, scrape } from '../support/admin-clients.js';

/** Workers in the server's process (as `npm start` runs them) count into the server's /metrics. */
describe('job metrics of workers in the server process', () => {
  const h = useFilesApp({ database: 'sqlite', store: 'local', env: { ADMIN_TOKEN }, workers: false });
  beforeAll(async () => { await h.startWorkers({ metrics: h.t.app.metrics }); });

  it('count a completed job, an expired session and a failed job', async () => {
    const before = await scrape(h.url);
    const idle = await newBrowser(h.url);
    await h.t.app.db.models.UserSession.update({ expiresAt: new Date(Date.now() - 1000) }, { where: { id: idle.sessionId } });
    await h.t.app.queues.expireSessions.add('expire-sessions', {});
    const grew = (text: string, name: string, labels: Record<string, string>) => sample(text, name, labels) - sample(before, name, labels);
    await eventually(async () => grew(await scrape(h.url), 'tabsync_job_duration_seconds_count', { queue: 'expire-sessions' }) === 1, 20_000, 'the expiry job being counted');
    await eventually(async () => grew(await scrape(h.url), 'tabsync_session_events_total', { event: 'expired' }) === 1, 20_000, 'the expiry being counted');

    // The fault: a malformed payload put straight on the queue, past the producer's schema. It fails for good.
    await h.t.app.queues.upload.add(QUEUE_NAMES.upload, { fileId: 'not-a-file-id', sessionId: idle.sessionId });
    await eventually(async () => grew(await scrape(h.url), 'tabsync_job_failures_total', { queue: 'upload' }) === 1, 20_000, 'the failed upload job being counted');
    expect(grew(await scrape(h.url), 'tabsync_job_failures_total', { queue: 'expire-sessions' })).toBe(0);
  });
});
