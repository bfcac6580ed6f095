import { afterEach, expect, it, vi } from 'vitest';
import { newBrowser } from '../support/browsers.js';
import { after, recordEvents } from '../support/subscription.js';
import { useTestApp } from '../support/test-app.js';
import { createWsTestClient } from '../support/ws-client.js';

const t = useTestApp({ env: { RATE_LIMIT_PER_MINUTE: '1000' } });
afterEach(() => { vi.restoreAllMocks(); });

it('delivers a reset that lands right after the credential check (injected: the reset runs inside the check) and completes', async () => {
  const { client, session, cookie } = await newBrowser(t.url);
  const { sessions, events } = t.app.services;
  const check = sessions.authorize.bind(sessions);
  let replacementId: string | undefined;
  // The fault: between the check passing and the subscription going on, the session is reset and
  // its final event reaches Redis.
  vi.spyOn(sessions, 'authorize').mockImplementationOnce(async (...args) => {
    const view = await check(...args);
    replacementId = (await client.session.reset.mutate({ sessionId: session.sessionId })).sessionId;
    await events.flush();
    return view;
  });
  const tab = createWsTestClient(t.url, { cookie });
  const recorder = recordEvents(tab, { sessionId: session.sessionId });
  const outcome = await Promise.race([recorder.completed.then(() => 'completed'), recorder.failed, after(10_000, 'still open after 10 s')]);
  expect(outcome).toBe('completed');
  expect(recorder.events.map((e) => e.data)).toEqual([
    expect.objectContaining({ type: 'session.reset', sessionId: session.sessionId, newSessionId: replacementId }),
  ]);
  await tab.close();
});
