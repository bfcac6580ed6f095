import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/test-app.js';
import { expectActionableMessage } from '../support/api-errors.js';
import { auditRows } from '../support/api-requests.js';
import { isTrpcError } from '../support/trpc-client.js';
import { ADMIN_TOKEN, WRONG_TOKEN, adminHttpClient, adminWsClient, basic, bearer } from '../support/admin-clients.js';

type Headers = Record<string, string>;

const HTTP_ROUTES = ['/metrics', '/admin/queues'] as const;

/** The tRPC error code of a call that must fail. */
async function failureCode(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
  } catch (error) {
    if (!isTrpcError(error)) throw error;
    expectActionableMessage(error.message);
    return error.data?.code;
  }
  return expect.unreachable('the call was answered');
}

/** The first audit row a tail delivers, or the code it failed with; the tail stops either way. */
function tailOutcome(url: string, options: Parameters<typeof adminWsClient>[1]): { started: Promise<void>; result: Promise<string> } {
  const ws = adminWsClient(url, options);
  let onStarted!: () => void;
  const started = new Promise<void>((resolve) => { onStarted = resolve; });
  const result = new Promise<string>((resolve) => {
    const subscription = ws.client.admin.audit.tail.subscribe({}, {
      onStarted: () => { onStarted(); },
      onData: (envelope) => { resolve(`row:${envelope.data.event}`); subscription.unsubscribe(); },
      onError: (error) => { resolve(`error:${error.data?.code ?? 'none'}`); },
    });
  }).finally(() => ws.close());
  return { started, result };
}

/** Every admin procedure called over HTTP with `headers`, each answering its code (or 'ok'). */
async function procedureCodes(url: string, headers: Headers): Promise<(string | undefined)[]> {
  const client = adminHttpClient(url, headers);
  const ok = async (call: Promise<unknown>) => { await call; return 'ok'; };
  const outcome = (call: Promise<unknown>) => ok(call).catch((error: unknown) => (isTrpcError(error) ? error.data?.code : 'thrown'));
  return Promise.all([outcome(client.admin.audit.list.query({})), outcome(client.admin.overview.query())]);
}

describe('admin surfaces with ADMIN_TOKEN unset', () => {
  const t = useTestApp();

  it('answers 404 on every admin route, whatever token is sent', async () => {
    for (const path of HTTP_ROUTES) {
      for (const headers of [{}, bearer(ADMIN_TOKEN), basic(ADMIN_TOKEN)]) {
        const response = await fetch(`${t.url}${path}`, { headers });
        expect(response.status, `${path} ${JSON.stringify(Object.keys(headers))}`).toBe(404);
      }
    }
  });

  it('refuses every admin procedure with NOT_FOUND', async () => {
    expect(await procedureCodes(t.url, bearer(ADMIN_TOKEN))).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    expect(await failureCode(adminHttpClient(t.url).admin.overview.query())).toBe('NOT_FOUND');
    expect(await tailOutcome(t.url, { connectionToken: ADMIN_TOKEN }).result).toBe('error:NOT_FOUND');
  });
});

describe('admin surfaces with ADMIN_TOKEN set', () => {
  const t = useTestApp({ env: { ADMIN_TOKEN } });

  it('refuse callers without the token or with a wrong one, over HTTP', async () => {
    for (const path of HTTP_ROUTES) {
      const missing = await fetch(`${t.url}${path}`);
      expect(missing.status).toBe(401);
      const wrong = await fetch(`${t.url}${path}`, { headers: bearer(WRONG_TOKEN) });
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).not.toContain(WRONG_TOKEN);
    }
    // The dashboard asks a browser for Basic credentials, so it shows its own login prompt.
    const prompt = await fetch(`${t.url}/admin/queues`);
    expect(prompt.headers.get('www-authenticate')).toMatch(/^Basic realm="Tabsync admin"/);
    expect(await procedureCodes(t.url, {})).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED']);
    expect(await procedureCodes(t.url, bearer(WRONG_TOKEN))).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED']);
    expect(await procedureCodes(t.url, basic(WRONG_TOKEN))).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED']);
  });

  it('refuse a tail without the token or with a wrong one', async () => {
    expect(await tailOutcome(t.url, {}).result).toBe('error:UNAUTHORIZED');
    expect(await tailOutcome(t.url, { connectionToken: WRONG_TOKEN }).result).toBe('error:UNAUTHORIZED');
    expect(await tailOutcome(t.url, { headers: bearer(WRONG_TOKEN) }).result).toBe('error:UNAUTHORIZED');
  });

  it('accept the token as Bearer and as Basic with any user name', async () => {
    for (const headers of [bearer(ADMIN_TOKEN), basic(ADMIN_TOKEN), basic(ADMIN_TOKEN, '')]) {
      const metrics = await fetch(`${t.url}/metrics`, { headers });
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('tabsync_http_requests_total');
      const dashboard = await fetch(`${t.url}/admin/queues`, { headers });
      expect(dashboard.status).toBe(200);
      expect(await dashboard.text()).toMatch(/<html/i);
      expect(await procedureCodes(t.url, headers)).toEqual(['ok', 'ok']);
    }
    const api = await fetch(`${t.url}/admin/queues/api/queues`, { headers: basic(ADMIN_TOKEN) });
    expect(api.status).toBe(200);
    const body = JSON.stringify(await api.json());
    for (const queue of ['upload', 'cleanup-orphans', 'expire-sessions', 'archive-audit']) expect(body).toContain(`"${queue}"`);
  });

  it('answer admin pages, assets and API uncached, unframeable and without X-Powered-By', async () => {
    const page = await fetch(`${t.url}/admin/queues`, { headers: basic(ADMIN_TOKEN) });
    const html = await page.text();
    const asset = /(?:src|href)="([^"]*static[^"]+\.(?:js|css))"/.exec(html)?.[1];
    expect(asset, 'the dashboard links a static asset').toBeDefined();
    const paths = ['/admin/queues', '/admin/queues/api/queues', new URL(asset ?? '', `${t.url}/admin/queues/`).pathname, '/metrics'];
    for (const path of paths) {
      for (const headers of [basic(ADMIN_TOKEN), {}]) {
        const response = await fetch(`${t.url}${path}`, { headers });
        await response.arrayBuffer();
        const where = `${path} (${response.status})`;
        expect(response.headers.get('cache-control'), where).toBe('no-store');
        expect(response.headers.get('content-security-policy'), where).toContain("frame-ancestors 'none'");
        expect(response.headers.get('x-frame-options'), where).toBe('DENY');
        expect(response.headers.get('referrer-policy'), where).toBe('no-referrer');
        expect(response.headers.get('x-powered-by'), where).toBeNull();
      }
    }
  });

  it('accept the token on a tail as a connection parameter and as an upgrade header', async () => {
    for (const options of [{ connectionToken: ADMIN_TOKEN }, { headers: bearer(ADMIN_TOKEN) }]) {
      const tail = tailOutcome(t.url, options);
      await tail.started;
      await fetch(`${t.url}/api/session/generate-uuid`, { method: 'POST' });
      expect(await tail.result).toBe('row:session.generated');
    }
  });
});

describe('wrong admin tokens', () => {
  const t = useTestApp({ env: { ADMIN_TOKEN } });

  it('are audited, and after ten the client is refused even the right token', async () => {
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${t.url}/metrics`, { headers: bearer(`${WRONG_TOKEN}-${i}`) });
      expect(response.status).toBe(401);
    }
    const limited = await fetch(`${t.url}/metrics`, { headers: bearer(ADMIN_TOKEN) });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await failureCode(adminHttpClient(t.url, basic(ADMIN_TOKEN)).admin.overview.query())).toBe('TOO_MANY_REQUESTS');

    const rows = await auditRows(t, 'admin.auth_failed');
    // One row per client and minute (the refusal gate): a guesser cannot flood the log.
    expect(rows).toHaveLength(1);
    expect(rows[0]?.outcome).toBe('refused');
    expect(rows[0]?.ip).toBe('127.0.0.1');
    expect(JSON.stringify(rows[0]?.toJSON())).not.toContain(WRONG_TOKEN);
  });
});

describe('a burst of wrong admin tokens in parallel', () => {
  const t = useTestApp({ env: { ADMIN_TOKEN } });

  it('has at most ten of them compared, and the right token after it is refused', async () => {
    // Warm keep-alive connections, one per request: the whole burst then arrives at once.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 200 });
    const get = (path: string, token?: string) => statusOf(agent, `${t.url}${path}`, token === undefined ? {} : bearer(token));
    try {
      await Promise.all(Array.from({ length: 199 }, () => get('/healthz')));
      // The right token goes last, behind 199 wrong ones that are all still in flight.
      const burst = Array.from({ length: 199 }, (_, i) => get('/metrics', `${WRONG_TOKEN}-${i}`));
      const right = get('/metrics', ADMIN_TOKEN);
      const statuses = await Promise.all(burst);
      expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(10);
      expect(await right).toBe(429);
    } finally {
      agent.destroy();
    }
  });
});

function statusOf(agent: http.Agent, url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent, headers }, (response) => {
      response.resume();
      response.on('end', () => { resolve(response.statusCode ?? 0); });
    }).on('error', reject);
  });
}

describe('the right admin token, again and again', () => {
  const t = useTestApp({ env: { ADMIN_TOKEN } });

  it('never locks its holder out, though each attempt is counted before the comparison', async () => {
    const statuses = await Promise.all(Array.from({ length: 30 }, () => fetch(`${t.url}/metrics`, { headers: bearer(ADMIN_TOKEN) }).then((response) => response.status)));
    expect(new Set(statuses)).toEqual(new Set([200]));
    for (let i = 0; i < 9; i++) expect((await fetch(`${t.url}/metrics`, { headers: bearer(`${WRONG_TOKEN}-${i}`) })).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`, { headers: bearer(ADMIN_TOKEN) })).status).toBe(200);
  });
});
