import { createTRPCClient } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { createHttpLink, KEEPALIVE_CONTEXT } from '../../src/client/api/http-link.js';
import type { AppRouter } from '../../src/server/api/root.js';
import { TRPC_MAX_BATCH } from '../../src/shared/limits.js';
import { TRPC_PATH } from '../../src/shared/paths.js';
import { FakeApiServer } from '../support/fake-api-server.js';

describe('the HTTP batch link', () => {
  it(`sends at most TRPC_MAX_BATCH (${TRPC_MAX_BATCH}) calls per request, as the server refuses bigger batches`, async () => {
    const server = new FakeApiServer();
    server.addSession();
    const batchSizes: number[] = [];
    const fetch: typeof globalThis.fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      batchSizes.push(url.pathname.slice(TRPC_PATH.length + 1).split(',').length);
      return server.fetch(input, init);
    };
    const client = createTRPCClient<AppRouter>({ links: [createHttpLink({ baseUrl: 'http://tabsync.test', fetch })] });

    const calls = TRPC_MAX_BATCH + 4;
    const answers = await Promise.all(Array.from({ length: calls }, () => client.session.current.query()));

    expect(answers).toHaveLength(calls);
    expect(server.callsOf('session.current')).toBe(calls);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(TRPC_MAX_BATCH);
    expect(batchSizes.reduce((sum, size) => sum + size, 0)).toBe(calls);
  });
});

describe('a call that must outlive its page', () => {
  it('goes alone, with keepalive, when its context asks for it; other calls are batched without', async () => {
    const server = new FakeApiServer();
    server.addSession();
    const sent: { paths: string; keepalive: boolean }[] = [];
    const fetch: typeof globalThis.fetch = (input, init) => {
      sent.push({ paths: new URL(input instanceof Request ? input.url : String(input)).pathname.slice(TRPC_PATH.length + 1), keepalive: init?.keepalive === true });
      return server.fetch(input, init);
    };
    const client = createTRPCClient<AppRouter>({ links: [createHttpLink({ baseUrl: 'http://tabsync.test', fetch })] });

    await Promise.all([client.session.current.query(), client.session.current.query(), client.session.current.query(undefined, { context: KEEPALIVE_CONTEXT })]);
    expect(sent).toEqual(expect.arrayContaining([{ paths: 'session.current', keepalive: true }, { paths: 'session.current,session.current', keepalive: false }]));
    expect(sent).toHaveLength(2);
  });
});
