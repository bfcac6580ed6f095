/**
 * The floor of the validate figures: what a call costs through tRPC as it ships. A router of one
 * no-op procedure, named and shaped like session.validate (same path, same body, same input check)
 * so that the load sends byte-identical requests, mounted by a bare node:http server through tRPC's
 * node-http adapter (the app answers such JSON calls without it, see trpc-json-calls.ts). No cookie
 * reading, no rate limit, no audit, no database.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { initTRPC } from '@trpc/server';
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import { z } from 'zod';

const t = initTRPC.create({ isDev: false, sse: { enabled: false } });

const noopRouter = t.router({
  session: t.router({
    validate: t.procedure.input(z.object({ sessionId: z.string() })).mutation(({ input }) => ({ valid: true as const, sessionId: input.sessionId })),
  }),
});

const PREFIX = '/api/trpc/';

export async function startNoopTrpc(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]?.slice(PREFIX.length) ?? '';
    void nodeHTTPRequestHandler({ req, res, path, router: noopRouter, createContext: () => ({}) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => { resolve(); });
      }),
  };
}
