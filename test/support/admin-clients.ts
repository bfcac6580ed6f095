import { createTRPCClient, httpLink } from '@trpc/client';
import type { AppRouter } from '../../src/server/api/root.js';
import { ADMIN_TOKEN_PARAM } from '../../src/shared/admin.js';
import { createWsTestClient } from './ws-client.js';

/** The token the admin tests configure (ADMIN_TOKEN needs 24 characters at least). */
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const WRONG_TOKEN = 'not-the-admin-token-0123456789';

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Basic with a user name of any kind: only the password part is the token. */
export function basic(token: string, user = 'ops'): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}` };
}

/** A typed admin client over HTTP that sends `headers` with every call. */
export function adminHttpClient(baseUrl: string, headers: Record<string, string> = {}) {
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${baseUrl}/api/trpc`, headers })] });
}

export interface AdminWsOptions {
  /** Sent as the `adminToken` connection parameter, as the admin page does. */
  connectionToken?: string;
  /** Sent on the upgrade request, as a script may. */
  headers?: Record<string, string>;
}

/** A typed admin client over the WebSocket, with the token as a connection parameter or upgrade header. */
export function adminWsClient(baseUrl: string, options: AdminWsOptions = {}) {
  const { client, close } = createWsTestClient(baseUrl, {
    headers: options.headers,
    connectionParams: options.connectionToken === undefined ? undefined : { [ADMIN_TOKEN_PARAM]: options.connectionToken },
  });
  return { client, close };
}

/** The value of one sample in Prometheus text (0 when the series does not exist yet). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((pair) => present.includes(pair))) return Number(match[3]);
  }
  return 0;
}

export async function scrape(baseUrl: string, token = ADMIN_TOKEN): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`, { headers: bearer(token) });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}
