import { describe, expect, it } from 'vitest';
import { CREDENTIAL_COOKIE } from '../../src/shared/limits.js';
import { newBrowser } from '../support/browsers.js';
import { DATABASE_KINDS, type DatabaseKind } from '../support/databases.js';
import { recordEvents } from '../support/subscription.js';
import { useTestApp } from '../support/test-app.js';
import { createWsTestClient } from '../support/ws-client.js';
import { expectActionableMessage } from '../support/api-errors.js';
import { GENEROUS_LIMITS } from '../support/api-requests.js';

const MAX_PART = '18446744073709551615';

describe.each(DATABASE_KINDS)('session.events hardening on %s', (kind: DatabaseKind) => {
  const t = useTestApp({ database: kind, env: GENEROUS_LIMITS });

  /** Subscribes with `cookie` and waits for the first thing that comes back: completion or an error. */
  async function outcomeFor(cookie: string, input: { sessionId: string; lastEventId?: string }) {
    const tab = createWsTestClient(t.url, { cookie });
    const recorder = recordEvents(tab, input);
    const error = await Promise.race([recorder.failed, recorder.completed.then(() => undefined)]);
    await tab.close();
    return { error, events: recorder.events.map((e) => e.data) };
  }

  describe('an ended session', () => {
    it.each([
      ['a made-up cookie value', () => `${CREDENTIAL_COOKIE}=bogus`],
      ['a well-formed credential of nobody', () => `${CREDENTIAL_COOKIE}=${'A'.repeat(43)}`],
    ])('tells its id with %s only that it ended (NOT_FOUND with the reason), never the replacement', async (_what, cookie) => {
      const { client, session } = await newBrowser(t.url);
      const replacement = await client.session.reset.mutate({ sessionId: session.sessionId });
      const { error, events } = await outcomeFor(cookie(), { sessionId: session.sessionId });
      expect(events).toEqual([]);
      expect(error?.data).toMatchObject({ code: 'NOT_FOUND', reason: 'reset' });
      expectActionableMessage(error?.message);
      expect(JSON.stringify({ message: error?.message, data: error?.data })).not.toContain(replacement.sessionId);
    });

    it('tells another live session’s credential only that it ended', async () => {
      const owner = await newBrowser(t.url);
      const stranger = await newBrowser(t.url);
      const replacement = await owner.client.session.reset.mutate({ sessionId: owner.session.sessionId });
      const { error, events } = await outcomeFor(stranger.cookie, { sessionId: owner.session.sessionId });
      expect(events).toEqual([]);
      expect(error?.data).toMatchObject({ code: 'NOT_FOUND', reason: 'reset' });
      expect(JSON.stringify(error?.data)).not.toContain(replacement.sessionId);
    });

    it('shows its final event, with the replacement, to its own credential and to the replacement’s', async () => {
      const { client, jar, session, cookie: ownCookie } = await newBrowser(t.url);
      const replacement = await client.session.reset.mutate({ sessionId: session.sessionId });
      const rotatedCookie = jar.header();
      expect(rotatedCookie).not.toBe(ownCookie);
      for (const cookie of [ownCookie, rotatedCookie]) {
        const { error, events } = await outcomeFor(cookie, { sessionId: session.sessionId });
        expect(error).toBeUndefined();
        expect(events).toEqual([expect.objectContaining({ type: 'session.reset', newSessionId: replacement.sessionId })]);
      }
    });

    it('tells a stranger that an expired session expired, and shows its owner the final event', async () => {
      const owner = await newBrowser(t.url);
      const stranger = await newBrowser(t.url);
      await t.app.db.models.UserSession.update({ expiresAt: new Date(Date.now() - 1000) }, { where: { id: owner.session.sessionId } });
      expect(await owner.client.session.validate.mutate({ sessionId: owner.session.sessionId })).toEqual({ valid: false, reason: 'expired' });
      await t.app.services.events.flush();

      const refused = await outcomeFor(stranger.cookie, { sessionId: owner.session.sessionId });
      expect(refused.events).toEqual([]);
      expect(refused.error?.data).toMatchObject({ code: 'NOT_FOUND', reason: 'expired' });
      const shown = await outcomeFor(owner.cookie, { sessionId: owner.session.sessionId });
      expect(shown.error).toBeUndefined();
      expect(shown.events.map((event) => event.type)).toEqual(['session.expired']);
    });
  });

  describe('lastEventId', () => {
    it.each([
      ['a time past 2^64', `${MAX_PART.slice(0, -1)}6-0`],
      ['a sequence past 2^64', `1-${MAX_PART.slice(0, -1)}6`],
      ['20 nines', '99999999999999999999-0'],
    ])('refuses %s with BAD_REQUEST that says what an event id is', async (_what, lastEventId) => {
      const { session, cookie } = await newBrowser(t.url);
      const { error, events } = await outcomeFor(cookie, { sessionId: session.sessionId, lastEventId });
      expect(events).toEqual([]);
      expect(error?.data?.code).toBe('BAD_REQUEST');
      expectActionableMessage(error?.message);
      expect(error?.message).toMatch(/lastEventId must be an event id this server sent/);
      expect(error?.message).toContain(MAX_PART);
    });

    it('reads nothing after the largest possible id, without a Redis error', async () => {
      const { client, session } = await newBrowser(t.url);
      await client.chat.send.mutate({ sessionId: session.sessionId, text: 'one' });
      await t.app.services.events.flush();
      const largest = `${MAX_PART}-${MAX_PART}`;
      await expect(t.app.services.events.since(session.sessionId, largest)).resolves.toEqual([]);
      await expect(t.app.services.events.replay(session.sessionId, largest)).resolves.toEqual([]);
    });
  });
});
