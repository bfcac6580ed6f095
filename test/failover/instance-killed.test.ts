import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newBrowser } from '../support/browsers.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { after } from '../support/subscription.js';
import { eventually } from '../support/eventually.js';
import { chatMessages, chatSender, expectExactly, firstRunning, useScenario } from './support/failover-scenario.js';
import { openRecordingTabs } from './support/failover-tab.js';

describe.each(DATABASE_KINDS)('a server instance killed with SIGKILL under subscribed tabs, on %s', (kind) => {
  const scenario = useScenario(kind);
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    a = await startServerProcess(scenario.env);
    // The second starts once the first has migrated the shared database.
    b = await startServerProcess(scenario.env);
  });
  afterAll(async () => {
    await Promise.all([a.stop('SIGKILL'), b.stop()]);
  });

  it('moves the tabs to the other instance, and they miss no event published before, during or after the kill', { timeout: 90_000 }, async () => {
    const http = await newBrowser(b.url);
    const { sessionId, cookie } = http;
    const chat = chatSender(http, sessionId);
    // The load balancer: the first instance while it lives, then the other.
    const { tabs, recorders } = await openRecordingTabs(3, firstRunning(a, b), cookie, sessionId);

    for (let i = 0; i < 5; i += 1) await chat.send(`before ${i}`);
    await eventually(() => recorders.every((recorder) => chatMessages(recorder.events).length === 5), 20_000, 'the first messages arriving');

    const load = { on: true };
    const during = (async () => {
      for (let i = 0; load.on; i += 1) {
        await chat.send(`during ${i}`);
        await after(20, null);
      }
    })();
    await after(300, null);
    await a.stop('SIGKILL');
    await after(1000, null);
    load.on = false;
    await during;
    for (let i = 0; i < 5; i += 1) await chat.send(`after ${i}`);

    const total = chat.sent.length;
    await eventually(() => recorders.every((recorder) => chatMessages(recorder.events).length >= total), 30_000, `all ${total} messages reaching every tab`);
    await after(300, null); // a duplicate would arrive now
    expect(chat.sent.some((message) => message.text.startsWith('during'))).toBe(true);
    for (const recorder of recorders) expectExactly(recorder.events, chat.sent);
    await Promise.all(tabs.map((tab) => tab.close()));
  });
});
