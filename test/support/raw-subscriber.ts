import WebSocket from 'ws';

/**
 * A raw WebSocket client that subscribes `count` times to a session's events and resolves once
 * each subscription has started: what a hostile client that then stops reading (`socket.pause()`)
 * starts from.
 */
export async function subscribeRaw(url: string, cookie: string, sessionId: string, count: number, options: { autoPong?: boolean } = {}): Promise<WebSocket> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/trpc`, { headers: { cookie }, autoPong: options.autoPong ?? true });
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('open', resolve));
  let started = 0;
  const allStarted = new Promise<void>((resolve) => {
    socket.on('message', (data: Buffer) => {
      if ((JSON.parse(data.toString()) as { result?: { type?: string } }).result?.type === 'started') started += 1;
      if (started === count) resolve();
    });
  });
  for (let id = 1; id <= count; id++) {
    socket.send(JSON.stringify({ id, method: 'subscription', params: { path: 'session.events', input: { sessionId } } }));
  }
  await allStarted;
  return socket;
}
