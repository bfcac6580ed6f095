import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../../src/server/api/root.js';

/** One browser's cookie jar: keeps what Set-Cookie says, sends it back as Cookie. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const maxAge = attributes.map((a) => a.trim().toLowerCase()).find((a) => a.startsWith('max-age='));
      if (value === '' || maxAge === 'max-age=0') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  set(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export interface TestClientOptions {
  jar?: CookieJar;
  headers?: Record<string, string>;
  batch?: boolean;
}

export interface TestClient {
  client: ReturnType<typeof createTRPCClient<AppRouter>>;
  jar: CookieJar;
  /** The response to the client's last call. */
  readonly lastResponse: Response | undefined;
}

/** A real @trpc/client over HTTP, with a cookie jar and the last response kept for header checks. */
export function createTestClient(baseUrl: string, options: TestClientOptions = {}): TestClient {
  const jar = options.jar ?? new CookieJar();
  const state: { lastResponse: Response | undefined } = { lastResponse: undefined };
  const linkOptions = {
    url: `${baseUrl}/api/trpc`,
    headers: () => ({ ...options.headers, ...(jar.header() ? { cookie: jar.header() } : {}) }),
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await fetch(input, init);
      jar.store(response);
      state.lastResponse = response;
      return response;
    },
  };
  const client = createTRPCClient<AppRouter>({ links: [options.batch ? httpBatchLink(linkOptions) : httpLink(linkOptions)] });
  return { client, jar, get lastResponse() { return state.lastResponse; } };
}

export function isTrpcError(error: unknown): error is TRPCClientError<AppRouter> {
  return error instanceof TRPCClientError;
}
