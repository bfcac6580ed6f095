import { beforeAll, describe, expect, it } from 'vitest';
import type { TRPCClientError } from '@trpc/client';
import WebSocket from 'ws';
import type { AppRouter } from '../../src/server/api/root.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { useTestApp } from '../support/test-app.js';
import { expectActionableMessage } from '../support/api-errors.js';
import { GENEROUS_LIMITS, postJson, REST_GENERATE } from '../support/api-requests.js';
import { ADMIN_TOKEN, adminHttpClient, adminWsClient, bearer } from '../support/admin-clients.js';

/** The first thing a tail answers: a row's id, nothing within `ms` (it waits for rows), or its error. */
function firstTailOutcome(url: string, lastEventId: string, ms = 1500): Promise<{ id?: string; error?: TRPCClientError<AppRouter> }> {
  const ws = adminWsClient(url, { connectionToken: ADMIN_TOKEN });
  return new Promise<{ id?: string; error?: TRPCClientError<AppRouter> }>((resolve) => {
    const timer = setTimeout(() => { resolve({}); }, ms);
    const subscription = ws.client.admin.audit.tail.subscribe({ lastEventId }, {
      onData: (envelope) => { clearTimeout(timer); resolve({ id: envelope.id }); subscription.unsubscribe(); },
      onError: (error) => { clearTimeout(timer); resolve({ error }); },
    });
  }).finally(() => ws.close());
}

/**
 * The first answer, besides "started", to a tail that resumes the way tRPC's client does after a drop:
 * the id in the message's `lastEventId`, beside the input, which the server merges into the input.
 */
function firstEnvelopeResumeAnswer(url: string, lastEventId: string): Promise<{ result?: { type: string; id?: string }; error?: { message: string; data: { code: string } } }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/trpc`, { headers: bearer(ADMIN_TOKEN) });
  return new Promise<{ result?: { type: string; id?: string }; error?: { message: string; data: { code: string } } }>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'admin.audit.tail', input: {}, lastEventId } }));
    });
    ws.on('message', (raw: Buffer) => {
      const message = JSON.parse(raw.toString()) as { id?: number; result?: { type: string; id?: string }; error?: { message: string; data: { code: string } } };
      if (message.id === 1 && message.result?.type !== 'started') resolve(message);
    });
  }).finally(() => { ws.close(); });
}

/** Inputs at the edges of what the admin schemas accept: each is answered, never with a 500. */
describe.each(DATABASE_KINDS)('admin procedures at the edges of their input on %s', (database) => {
  const t = useTestApp({ database, env: { ADMIN_TOKEN, ...GENEROUS_LIMITS } });
  let admin: ReturnType<typeof adminHttpClient>;

  beforeAll(async () => {
    admin = adminHttpClient(t.url, bearer(ADMIN_TOKEN));
    await postJson(t.url, REST_GENERATE, undefined);
  });

  it.each([
    ['year 0000', '0000-01-01T00:00:00Z'],
    ['year 0001', '0001-01-01T00:00:00.000Z'],
    ['the last nanosecond of 9999', '9999-12-31T23:59:59.999999999Z'],
    ['a leap day', '2024-02-29T12:00:00Z'],
  ])('filters by time from and to %s', async (_what, time) => {
    const all = (await admin.admin.audit.list.query({})).rows;
    const from = await admin.admin.audit.list.query({ from: time });
    const to = await admin.admin.audit.list.query({ to: time });
    // Every row is on one side of the time or the other.
    expect(from.rows.length + to.rows.length).toBe(all.length);
  });

  it.each([
    ['the largest 32-bit id', 2_147_483_647],
    ['past 32 bits', 2_147_483_648],
    ['the largest safe integer', Number.MAX_SAFE_INTEGER],
  ])('pages from a cursor of %s', async (_what, cursor) => {
    const page = await admin.admin.audit.list.query({ cursor });
    expect(page.rows.length).toBeGreaterThan(0);
  });

  it('resumes a tail after an id written with zeros in front', async () => {
    const outcome = await firstTailOutcome(t.url, '00000000000000000000');
    expect(outcome.error).toBeUndefined();
    expect(outcome.id).toBe('1');
  });

  it.each([
    ['the largest safe integer', String(Number.MAX_SAFE_INTEGER)],
  ])('tails after an id of %s, waiting for rows', async (_what, lastEventId) => {
    expect(await firstTailOutcome(t.url, lastEventId)).toEqual({});
  });

  it.each([
    ['past the largest safe integer', String(Number.MAX_SAFE_INTEGER + 2)],
    ['of 20 digits', '9'.repeat(20)],
    ['of 400 digits, past a double', '9'.repeat(400)],
  ])('refuses to resume a tail after an id %s, with BAD_REQUEST that says what an id is', async (_what, lastEventId) => {
    const { error } = await firstTailOutcome(t.url, lastEventId);
    expect(error?.data?.code).toBe('BAD_REQUEST');
    expect(error?.message).toMatch(/lastEventId must be the id of an audit row this server sent/);
    expectActionableMessage(error?.message);
  });

  it('checks a resume id sent as the tracked envelope\'s lastEventId, as a reconnecting client sends it, with the same schema', async () => {
    const refused = await firstEnvelopeResumeAnswer(t.url, '9'.repeat(20));
    expect(refused.error?.data.code).toBe('BAD_REQUEST');
    expect(refused.error?.message).toMatch(/lastEventId must be the id of an audit row this server sent/);
    const resumed = await firstEnvelopeResumeAnswer(t.url, '0');
    expect(resumed.result).toMatchObject({ type: 'data', id: '1' });
  });

  it('refuses a time filter the schema does not take with a sentence', async () => {
    const refusal = await admin.admin.audit.list.query({ from: '2023-02-31T00:00:00Z' }).catch((error: unknown) => error as TRPCClientError<AppRouter>);
    expect(refusal).toMatchObject({ data: { code: 'BAD_REQUEST' } });
    expectActionableMessage((refusal as TRPCClientError<AppRouter>).message);
  });
});
