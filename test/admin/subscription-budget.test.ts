import { afterAll, describe, expect, it } from 'vitest';
import type { TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../../src/server/api/root.js';
import { newBrowser } from '../support/browsers.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { after } from '../support/subscription.js';
import { useTestApp } from '../support/test-app.js';
import { CREDENTIAL_COOKIE } from '../../src/shared/limits.js';
import { expectActionableMessage } from '../support/api-errors.js';
import { GENEROUS_LIMITS } from '../support/api-requests.js';
import { ADMIN_TOKEN, adminWsClient } from '../support/admin-clients.js';

const MAX = 3;

type Client = ReturnType<typeof adminWsClient>['client'];
interface Handlers {
  onStarted: () => void;
  onData: (envelope: { id: string }) => void;
  onError: (error: TRPCClientError<AppRouter>) => void;
  onComplete: () => void;
}

/** One subscription's milestones, whatever procedure it is of. */
function watch(subscribe: (handlers: Handlers) => { unsubscribe(): void }) {
  let onStarted!: () => void;
  let onFailed!: (error: TRPCClientError<AppRouter>) => void;
  let onCompleted!: () => void;
  const started = new Promise<void>((resolve) => { onStarted = resolve; });
  const failed = new Promise<TRPCClientError<AppRouter>>((resolve) => { onFailed = resolve; });
  const completed = new Promise<void>((resolve) => { onCompleted = resolve; });
  const ids: string[] = [];
  const subscription = subscribe({
    onStarted: () => { onStarted(); },
    onData: (envelope) => { ids.push(envelope.id); },
    onError: (error) => { onFailed(error); },
    onComplete: () => { onCompleted(); },
  });
  /** The error it fails with within `ms`, or undefined if it is still live (or completed) by then. */
  const failure = (ms = 300) => Promise.race([failed, after(ms, undefined)]);
  return { started, failed, completed, ids, failure, stop: () => { subscription.unsubscribe(); } };
}

const tail = (client: Client) => watch((handlers) => client.admin.audit.tail.subscribe({}, handlers));
const events = (client: Client, sessionId: string) => watch((handlers) => client.session.events.subscribe({ sessionId }, handlers));

function expectBudgetRefusal(error: TRPCClientError<AppRouter> | undefined): void {
  expect(error?.data?.code).toBe('TOO_MANY_REQUESTS');
  expect(error?.message).toMatch(/already has 3 live subscriptions, the most it may hold/);
  expectActionableMessage(error?.message);
}

describe.each(DATABASE_KINDS)('one budget of live subscriptions per WebSocket, for every procedure, on %s', (database) => {
  const t = useTestApp({ database, env: { ADMIN_TOKEN, WS_MAX_SUBSCRIPTIONS: String(MAX), WS_MAX_PER_IP: '100', ...GENEROUS_LIMITS } });
  const sockets: ReturnType<typeof adminWsClient>[] = [];
  const socket = (options: Parameters<typeof adminWsClient>[1]) => {
    const ws = adminWsClient(t.url, options);
    sockets.push(ws);
    return ws.client;
  };

  afterAll(async () => {
    await Promise.all(sockets.map((ws) => ws.close()));
  });

  it(`refuses the admin socket's tail past ${MAX} with TOO_MANY_REQUESTS, keeping the others live`, async () => {
    const client = socket({ connectionToken: ADMIN_TOKEN });
    const live = Array.from({ length: MAX }, () => tail(client));
    await Promise.all(live.map((sub) => sub.started));
    const extra = tail(client);
    expectBudgetRefusal(await extra.failure(5000));
    expect(await Promise.all(live.map((sub) => sub.failure(0)))).toEqual(live.map(() => undefined));

    // The live ones still deliver: each sees the row of a session generated now.
    const seen = live.map((sub) => sub.ids.length);
    await newBrowser(t.url);
    await expect.poll(() => live.every((sub, i) => sub.ids.length > (seen[i] ?? 0)), { timeout: 5000 }).toBe(true);
    for (const sub of live) sub.stop();
  });

  it('accepts a new tail once one is stopped, even sent right after the stop', async () => {
    const client = socket({ connectionToken: ADMIN_TOKEN });
    const live = Array.from({ length: MAX }, () => tail(client));
    await Promise.all(live.map((sub) => sub.started));
    live[0]?.stop();
    const replacement = tail(client);
    await replacement.started;
    expect(await replacement.failure()).toBeUndefined();
    // The budget is full again.
    expectBudgetRefusal(await tail(client).failure(5000));
    for (const sub of [...live, replacement]) sub.stop();
  });

  it('counts session.events and admin.audit.tail together on one socket', async () => {
    const { sessionId, cookie } = await newBrowser(t.url);
    const client = socket({ connectionToken: ADMIN_TOKEN, headers: { cookie } });
    const first = events(client, sessionId);
    const second = events(client, sessionId);
    const tailing = tail(client);
    await Promise.all([first.started, second.started, tailing.started]);

    expectBudgetRefusal(await tail(client).failure(5000));
    expectBudgetRefusal(await events(client, sessionId).failure(5000));

    first.stop();
    const anotherTail = tail(client);
    await anotherTail.started;
    expect(await anotherTail.failure()).toBeUndefined();
    expectBudgetRefusal(await events(client, sessionId).failure(5000));

    tailing.stop();
    anotherTail.stop();
    const moreEvents = [events(client, sessionId), events(client, sessionId)];
    await Promise.all(moreEvents.map((sub) => sub.started));
    expect(await Promise.all(moreEvents.map((sub) => sub.failure()))).toEqual([undefined, undefined]);
    expectBudgetRefusal(await tail(client).failure(5000));
    for (const sub of [second, ...moreEvents]) sub.stop();
  });

  it('gives the slot back when a subscription completes or fails on its own', async () => {
    const owner = await newBrowser(t.url);
    await owner.client.session.reset.mutate({ sessionId: owner.sessionId });
    // Its owner sees the ended session's final event, then the subscription completes.
    const ownSocket = socket({ connectionToken: ADMIN_TOKEN, headers: { cookie: owner.cookie } });
    for (let i = 0; i < MAX * 2; i++) {
      const ended = events(ownSocket, owner.sessionId);
      await ended.completed;
      expect(ended.ids).toHaveLength(1);
    }
    // Anyone else is refused with NOT_FOUND, after the subscription started.
    const strangerSocket = socket({ connectionToken: ADMIN_TOKEN, headers: { cookie: `${CREDENTIAL_COOKIE}=${'A'.repeat(43)}` } });
    for (let i = 0; i < MAX * 2; i++) expect((await events(strangerSocket, owner.sessionId).failed).data?.code).toBe('NOT_FOUND');
    // Neither socket kept a slot: each still holds a full budget of tails.
    for (const client of [ownSocket, strangerSocket]) {
      const live = Array.from({ length: MAX }, () => tail(client));
      await Promise.all(live.map((sub) => sub.started));
      expect(await Promise.all(live.map((sub) => sub.failure()))).toEqual(live.map(() => undefined));
      for (const sub of live) sub.stop();
    }
  });

  it('takes no slot for a tail the admin gate refuses', async () => {
    const { sessionId, cookie } = await newBrowser(t.url);
    const client = socket({ headers: { cookie } });
    for (let i = 0; i < MAX * 2; i++) expect((await tail(client).failed).data?.code).toBe('UNAUTHORIZED');
    const live = Array.from({ length: MAX }, () => events(client, sessionId));
    await Promise.all(live.map((sub) => sub.started));
    expect(await Promise.all(live.map((sub) => sub.failure()))).toEqual(live.map(() => undefined));
    for (const sub of live) sub.stop();
  });
});
