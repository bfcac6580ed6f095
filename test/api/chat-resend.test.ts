import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newBrowser } from '../support/browsers.js';
import { DATABASE_KINDS, type DatabaseKind } from '../support/databases.js';
import { useTestAppsPerTest, type TestApp } from '../support/test-app.js';
import { createTestClient } from '../support/trpc-client.js';
import { expectTrpcCode, trpcFailure } from '../support/api-errors.js';
import { auditRows } from '../support/api-requests.js';
import { SYSTEM_ACTOR } from '../../src/server/services/actor.js';

describe.each(DATABASE_KINDS)('chat.send with a clientMessageId on %s', (kind: DatabaseKind) => {
  const start = useTestAppsPerTest({ database: kind, env: { RATE_LIMIT_PER_MINUTE: '1000' } });

  const rowsOf = (t: TestApp, sessionId: string) => t.app.db.models.ChatMessage.findAll({ where: { sessionId } });

  /** The texts of the chat.message events the session's log holds, once every publish has landed. */
  async function announced(t: TestApp, sessionId: string): Promise<string[]> {
    await t.app.services.events.flush();
    const log = await t.app.services.events.since(sessionId, null);
    return log.flatMap(({ event }) => (event.type === 'chat.message' ? [event.message.text] : []));
  }

  it('stores a message sent twice in turn once, answers both with it, and announces it once', async () => {
    const t = await start();
    const browser = await newBrowser(t.url);
    const clientMessageId = randomUUID();
    const first = await browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: 'only once', clientMessageId });
    expect(first).toMatchObject({ text: 'only once', clientMessageId });
    const again = await browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: 'only once', clientMessageId });
    expect(again).toEqual(first);

    expect(await rowsOf(t, browser.sessionId)).toHaveLength(1);
    expect(await announced(t, browser.sessionId)).toEqual(['only once']);
    // Audited once, as stored: the resend changed nothing.
    const audited = (await auditRows(t, 'chat.sent')).filter((row) => row.sessionId === browser.sessionId);
    expect(audited.map((row) => row.metadata)).toEqual([{ messageId: first.messageId, attachments: 0 }]);
    const page = await browser.client.chat.list.query({ sessionId: browser.sessionId });
    expect(page.messages).toEqual([first]);
  });

  it('answers a resend with the first message even when the resend says something else', async () => {
    const t = await start();
    const browser = await newBrowser(t.url);
    const clientMessageId = randomUUID();
    const first = await browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: 'the first words', clientMessageId });
    const again = await browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: 'other words', clientMessageId: clientMessageId.toUpperCase() });
    expect(again).toEqual(first);
    expect((await rowsOf(t, browser.sessionId)).map((row) => row.text)).toEqual(['the first words']);
  });

  it('stores one of two concurrent sends with the same id and answers both with it, announcing it once', async () => {
    const t = await start();
    const browser = await newBrowser(t.url);
    const tabs = [browser, createTestClient(t.url, { jar: browser.jar })];
    for (let round = 0; round < 5; round += 1) {
      const clientMessageId = randomUUID();
      const answers = await Promise.all(tabs.map((tab) => tab.client.chat.send.mutate({ sessionId: browser.sessionId, text: `race ${round}`, clientMessageId })));
      expect(answers[1]).toEqual(answers[0]);
    }
    expect((await rowsOf(t, browser.sessionId)).map((row) => row.text).sort()).toEqual(['race 0', 'race 1', 'race 2', 'race 3', 'race 4']);
    expect((await announced(t, browser.sessionId)).sort()).toEqual(['race 0', 'race 1', 'race 2', 'race 3', 'race 4']);
  });

  it('lets the unique index decide when sends of one id all miss each other: one row, one event, every caller gets it', async () => {
    const t = await start();
    const browser = await newBrowser(t.url);
    const clientMessageId = randomUUID();
    // Started in one tick, every send looks for an earlier one before any has stored it.
    const answers = await Promise.all(Array.from({ length: 5 }, () => t.app.services.chat.send(browser.sessionId, { text: 'raced', clientMessageId }, SYSTEM_ACTOR)));
    expect(new Set(answers.map((answer) => answer.messageId)).size).toBe(1);
    expect(await rowsOf(t, browser.sessionId)).toHaveLength(1);
    expect(await announced(t, browser.sessionId)).toEqual(['raced']);
    expect((await auditRows(t, 'chat.sent')).filter((row) => row.sessionId === browser.sessionId)).toHaveLength(1);
  });

  it('keeps the ids of different sessions apart: each may use the same one', async () => {
    const t = await start();
    const [one, two] = await Promise.all([newBrowser(t.url), newBrowser(t.url)]);
    const clientMessageId = randomUUID();
    const fromOne = await one.client.chat.send.mutate({ sessionId: one.sessionId, text: 'from one', clientMessageId });
    const fromTwo = await two.client.chat.send.mutate({ sessionId: two.sessionId, text: 'from two', clientMessageId });
    expect(fromTwo.messageId).not.toBe(fromOne.messageId);
    expect(fromTwo).toMatchObject({ sessionId: two.sessionId, text: 'from two', clientMessageId });
    expect(await rowsOf(t, one.sessionId)).toHaveLength(1);
    expect(await rowsOf(t, two.sessionId)).toHaveLength(1);
  });

  it('stores messages without an id as before, each on its own', async () => {
    const t = await start();
    const browser = await newBrowser(t.url);
    const first = await browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: 'same' });
    const second = await browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: 'same' });
    expect(second.messageId).not.toBe(first.messageId);
    expect(first).not.toHaveProperty('clientMessageId');
    expect(await rowsOf(t, browser.sessionId)).toHaveLength(2);
  });

  it('spends the session’s message quota once for a message and its resends (SESSION_MESSAGES_PER_MINUTE=2)', async () => {
    const t = await start({ env: { SESSION_MESSAGES_PER_MINUTE: '2' } });
    const browser = await newBrowser(t.url);
    const clientMessageId = randomUUID();
    const first = await browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: 'once', clientMessageId });
    for (let i = 0; i < 3; i += 1) expect(await browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: 'once', clientMessageId })).toEqual(first);
    await browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: 'second', clientMessageId: randomUUID() });
    expectTrpcCode(await trpcFailure(browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: 'third', clientMessageId: randomUUID() })), 'TOO_MANY_REQUESTS', 429);
    // A resend of what is stored still answers once the quota is spent.
    expect(await browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: 'once', clientMessageId })).toEqual(first);
    expect(await auditRows(t, 'rate_limit.exceeded')).toHaveLength(1);
  });

  it('refuses a clientMessageId that is not a UUID with 400 and a reason', async () => {
    const t = await start();
    const browser = await newBrowser(t.url);
    const refused = await trpcFailure(browser.client.chat.send.mutate({ sessionId: browser.sessionId, text: 'hello', clientMessageId: 'message-1' }));
    expectTrpcCode(refused, 'BAD_REQUEST', 400);
    expect(refused.message).toMatch(/clientMessageId must be a UUID/);
  });
});
