/** Sessions made the way a browser makes them: the REST alias of session.generate, keeping the credential cookie. */
import { CREDENTIAL_COOKIE } from '../../src/shared/limits.js';

export interface BenchSession {
  sessionId: string;
  /** The `Cookie` header a browser of this session sends. */
  cookie: string;
}

export async function generateSession(baseUrl: string): Promise<BenchSession> {
  const response = await fetch(`${baseUrl}/api/session/generate-uuid`, { method: 'POST' });
  if (!response.ok) throw new Error(`session.generate answered ${response.status}: ${await response.text()}`);
  const { sessionId } = (await response.json()) as { sessionId: string };
  const cookie = response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0] ?? '')
    .find((pair) => pair.startsWith(`${CREDENTIAL_COOKIE}=`));
  if (!cookie) throw new Error('session.generate set no credential cookie');
  return { sessionId, cookie };
}

export async function generateSessions(baseUrl: string, count: number): Promise<BenchSession[]> {
  const sessions: BenchSession[] = [];
  // One at a time: generation is not what is measured, and a burst would only queue in the server.
  for (let i = 0; i < count; i += 1) sessions.push(await generateSession(baseUrl));
  return sessions;
}

/** A `chat.send` to `session` as its browser sends it; `%MARKER%` is the text (see load/tabs.ts). */
export function chatSendTrigger(baseUrl: string, session: BenchSession): { url: string; headers: Record<string, string>; body: string } {
  return {
    url: `${baseUrl}/api/trpc/chat.send`,
    headers: { 'content-type': 'application/json', cookie: session.cookie },
    body: JSON.stringify({ sessionId: session.sessionId, text: '%MARKER%' }),
  };
}
