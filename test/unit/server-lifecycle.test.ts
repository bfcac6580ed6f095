import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { listen } from '../../src/server/app/server-lifecycle.js';

const servers: http.Server[] = [];
const newServer = () => {
  const server = http.createServer();
  servers.push(server);
  return server;
};

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => { server.close(resolve); })));
});

describe('listen', () => {
  it('resolves with the port it picked, and leaves no listener of its own on the server', async () => {
    const server = newServer();
    const before = server.listenerCount('error');
    const { port, url } = await listen(server, { port: 0, host: '127.0.0.1' });
    expect(url).toBe(`http://127.0.0.1:${port}`);
    // A later error (one emitted long after listening) must reach the server's own handlers, not a settled promise.
    expect(server.listenerCount('error')).toBe(before);
  });

  it('rejects when the port is taken', async () => {
    const { port } = await listen(newServer(), { port: 0, host: '127.0.0.1' });
    await expect(listen(newServer(), { port, host: '127.0.0.1' })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
