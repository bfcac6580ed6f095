import { CREDENTIAL_COOKIE } from '../../src/shared/limits.js';
import type { SessionView } from '../../src/shared/session.js';
import { createTestClient, type TestClient, type TestClientOptions } from './trpc-client.js';

/** A browser that holds a session of its own. */
export type Browser = TestClient & {
  session: SessionView;
  sessionId: string;
  /** The Cookie header its other requests carry (uploads, WebSockets, raw fetches). */
  cookie: string;
};

/** A browser with a fresh session: a tRPC client over HTTP whose cookie jar holds the session's credential. */
export async function newBrowser(url: string, options: TestClientOptions = {}): Promise<Browser> {
  const browser = createTestClient(url, options);
  const session = await browser.client.session.generate.mutate();
  if (browser.jar.get(CREDENTIAL_COOKIE) === undefined) throw new Error('session.generate set no credential cookie');
  return Object.assign(browser, { session, sessionId: session.sessionId, cookie: browser.jar.header() });
}
