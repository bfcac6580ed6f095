import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually } from '../support/eventually.js';
import { encodings, iteratorLog, startOwnHandler, startTrpcAdapter, TEST_MAX_BATCH, transformingRouter, type TestServer } from './support/ws-trpc-servers.js';

/** A raw socket that keeps every frame it is sent, to compare what two servers answer to one script. */
class ScriptedSocket {
  readonly frames: string[] = [];
  closeCode: number | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => { this.frames.push(data.toString('utf8')); });
    ws.on('close', (code) => { this.closeCode = code; });
  }

  static async open(url: string, query = ''): Promise<ScriptedSocket> {
    const ws = new WebSocket(`${url}${query}`);
    const socket = new ScriptedSocket(ws);
    await new Promise((resolve) => ws.once('open', resolve));
    return socket;
  }

  send(...frames: (string | object | Buffer)[]): void {
    for (const frame of frames) {
      if (Buffer.isBuffer(frame)) this.ws.send(frame, { binary: true });
      else this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    }
  }

  /** Waits until `count` frames in all have come, then a little longer for any that should not. */
  async received(count: number): Promise<void> {
    await eventually(() => this.frames.length >= count, 5000, `${count} frames`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  async closed(): Promise<void> {
    await eventually(() => this.closeCode !== undefined, 5000, 'the server closed the socket');
  }

  /**
   * What the client was told, by call id in the order it came, and how the socket ended. Answers
   * to different calls may interleave differently (each waits on its own procedure); a client
   * reads each call's answers on their own.
   */
  transcript(): { byId: Record<string, unknown[]>; closeCode: number | undefined } {
    const byId: Record<string, unknown[]> = {};
    for (const frame of this.frames) {
      let key = '(text)';
      let value: unknown = frame;
      try {
        value = JSON.parse(frame);
        key = JSON.stringify((value as { id?: unknown }).id);
      } catch {
        // PONG
      }
      (byId[key] ??= []).push(value);
    }
    return { byId, closeCode: this.closeCode };
  }

  close(): void {
    this.ws.terminate();
  }
}

type Script = (socket: ScriptedSocket) => Promise<void>;

const call = (id: unknown, method: string, path: string, extra: Record<string, unknown> = {}) => ({ id, method, params: { path, ...extra } });

let trpc: TestServer;
let own: TestServer;
beforeAll(async () => { [trpc, own] = await Promise.all([startTrpcAdapter(), startOwnHandler()]); });
afterAll(async () => { await Promise.all([trpc.close(), own.close()]); });

/** Runs `script` against tRPC's adapter and against the handler, and expects the same answers. */
async function expectSameAnswers(script: Script, query = '', servers = [trpc, own]): Promise<ReturnType<ScriptedSocket['transcript']>> {
  const transcripts = [];
  for (const server of servers) {
    const socket = await ScriptedSocket.open(server.url, query);
    try {
      await script(socket);
      transcripts.push(socket.transcript());
    } finally {
      socket.close();
    }
  }
  const [theirs, ours] = transcripts;
  expect(ours).toEqual(theirs);
  return ours ?? expect.unreachable('no transcript');
}

describe('the WebSocket handler answers as tRPC’s adapter does', () => {
  it('to queries and mutations: data, and errors shaped by the router’s error formatter', async () => {
    const { byId } = await expectSameAnswers(async (socket) => {
      socket.send(
        { ...call(1, 'query', 'hello'), jsonrpc: '2.0' },
        call('two', 'mutation', 'refuse'),
        call(3, 'query', 'missing'),
        call(4, 'mutation', 'hello'),
        call(5, 'query', 'iterableQuery'),
        call(6, 'query', 'slowQuery'),
        call(7, 'query', 'echo', { input: { a: 1 }, lastEventId: '9' }),
        call(8, 'query', 'echo', { lastEventId: '9' }),
        call(9, 'query', 'echo', { input: 5, lastEventId: '9' }),
      );
      await socket.received(9);
    });
    expect(byId['"two"']).toMatchObject([{ id: 'two', error: { message: 'not now', data: { code: 'CONFLICT', who: 'anonymous' } } }]);
    expect(byId['7']).toEqual([{ id: 7, result: { type: 'data', data: { input: { a: 1, lastEventId: '9' } } } }]);
  });

  it('to calls batched in one message', async () => {
    await expectSameAnswers(async (socket) => {
      socket.send([call(1, 'query', 'hello'), call(2, 'query', 'slowQuery'), call(3, 'query', 'missing')], []);
      await socket.received(3);
    });
  });

  it('to messages it cannot read, PING and PONG', async () => {
    const { byId } = await expectSameAnswers(async (socket) => {
      socket.send(
        '{',
        '42',
        '"x"',
        '[1]',
        '{"id":1}',
        '{"id":1,"method":"query"}',
        '{"id":1,"method":"QUERY","params":{"path":"hello"}}',
        '{"id":1,"method":"query","params":{"path":7}}',
        '{"id":{},"method":"query","params":{"path":"hello"}}',
        '{"id":1,"jsonrpc":"1.0","method":"query","params":{"path":"hello"}}',
        '{"id":1,"method":"query","params":{"path":"hello","lastEventId":5}}',
        [call(2, 'query', 'hello'), 5],
        Buffer.from(JSON.stringify(call(3, 'query', 'hello'))),
        '{"id":null,"method":"query","params":{"path":"hello"}}',
        '{"id":null,"method":"subscription.stop"}',
        '{"id":4,"method":"subscription.stop"}',
        'PING',
        'PONG',
      );
      await socket.received(16);
    });
    expect(byId['(text)']).toEqual(['PONG']);
    expect(byId.null).toHaveLength(15);
  });

  it('to subscriptions: tracked and plain data, then "stopped", after an error too; refused ones with their error', async () => {
    const { byId } = await expectSameAnswers(async (socket) => {
      socket.send(
        call('s1', 'subscription', 'ticks', { input: { count: 2 } }),
        call('s2', 'subscription', 'ticks', { input: { count: 2 }, lastEventId: '5' }),
        call('s3', 'subscription', 'plain'),
        call('s4', 'subscription', 'failing'),
        call('s5', 'subscription', 'strict', { input: { n: 'no' } }),
        call('s6', 'subscription', 'notIterable'),
        call('s7', 'subscription', 'missing'),
        call('s8', 'query', 'ticks'),
        call('s9', 'subscription', 'signalled'),
      );
      await socket.received(4 + 4 + 4 + 4 + 1 + 1 + 1 + 1 + 3);
    });
    expect(byId['"s9"']?.[1]).toEqual({ id: 's9', result: { type: 'data', data: true } });
    expect(byId['"s2"']?.map((frame) => (frame as { result?: { id?: string } }).result?.id)).toEqual([undefined, '6', '7', undefined]);
    expect(byId['"s4"']).toMatchObject([
      { result: { type: 'started' } },
      { result: { type: 'data', data: { id: '1', data: 'first' }, id: '1' } },
      { error: { message: 'broke after one', data: { code: 'PRECONDITION_FAILED' } } },
      { result: { type: 'stopped' } },
    ]);
  });

  it('through the router’s transformer: data, errors and subscription values', async () => {
    const servers = await Promise.all([startTrpcAdapter(transformingRouter), startOwnHandler(transformingRouter)]);
    try {
      const { byId } = await expectSameAnswers(async (socket) => {
        socket.send(
          call(1, 'query', 'hello'),
          call(2, 'mutation', 'refuse'),
          call(3, 'query', 'echo', { input: { tagged: { a: 1 } } }),
          call(4, 'subscription', 'ticks'),
        );
        await socket.received(3 + 4);
      }, '', servers);
      expect(byId['1']).toEqual([{ id: 1, result: { type: 'data', data: { tagged: { text: 'hi', who: 'anonymous' } } } }]);
      expect(byId['2']).toMatchObject([{ id: 2, error: { tagged: { message: 'not now', data: { code: 'CONFLICT' } } } }]);
      expect(byId['3']).toEqual([{ id: 3, result: { type: 'data', data: { tagged: { input: { a: 1 } } } } }]);
      expect(byId['4']?.[1]).toEqual({ id: 4, result: { type: 'data', data: { tagged: { id: '1', data: { tick: 1 } } }, id: '1' } });
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });

  it('to subscriptions to a value shared with others', async () => {
    await expectSameAnswers(async (socket) => {
      socket.send(call(1, 'subscription', 'shared'), { ...call('one', 'subscription', 'shared'), jsonrpc: '2.0' });
      await socket.received(8);
    });
  });

  it('to a stop of a live subscription, and to a second subscription under a live one’s id', async () => {
    const started = (socket: ScriptedSocket, id: number) => socket.frames.some((frame) => frame === `{"id":${id},"result":{"type":"started"}}`);
    await expectSameAnswers(async (socket) => {
      socket.send(call(7, 'subscription', 'idle', { input: 'live' }));
      await eventually(() => started(socket, 7), 5000);
      socket.send(call(7, 'subscription', 'idle', { input: 'again' }));
      await socket.received(2);
      socket.send('{"id":7,"method":"subscription.stop"}');
      await socket.received(3);
    });
  });

  it('to a stop of a subscription that waits for its signal', async () => {
    const { byId } = await expectSameAnswers(async (socket) => {
      socket.send(call(1, 'subscription', 'waiting'));
      await socket.received(1);
      socket.send('{"id":1,"method":"subscription.stop"}');
      await socket.received(2);
    });
    expect(byId['1']).toEqual([{ id: 1, result: { type: 'started' } }, { id: 1, result: { type: 'stopped' } }]);
  });

  it('to connection parameters, also after a PING, and to calls that need them', async () => {
    const { byId } = await expectSameAnswers(async (socket) => {
      socket.send('PING', '{"method":"connectionParams","data":{"who":"alice"}}', call(1, 'query', 'hello'), call(2, 'subscription', 'whoami'));
      await socket.received(1 + 1 + 3);
    }, '?connectionParams=1');
    expect(byId['1']).toEqual([{ id: 1, result: { type: 'data', data: { text: 'hi', who: 'alice' } } }]);
  });

  it.each([
    ['data that are not strings', '{"method":"connectionParams","data":{"who":5}}'],
    ['a message that is not JSON', '{'],
    ['a message that is not an object', '[]'],
  ])('to connection parameters with %s: an error, the calls sent meanwhile refused, and the socket closed', async (_what, params) => {
    const { closeCode } = await expectSameAnswers(async (socket) => {
      socket.send(params, call(1, 'query', 'hello'));
      await socket.closed();
    }, '?connectionParams=1');
    expect(closeCode).toBe(1005);
  });

  it('to the server’s request to reconnect', async () => {
    const { byId } = await expectSameAnswers(async (socket) => {
      const server = socket.ws.url.startsWith(trpc.url) ? trpc : own;
      server.askToReconnect();
      await socket.received(1);
    });
    expect(byId.null).toEqual([{ id: null, method: 'reconnect' }]);
  });
});

describe('the WebSocket handler, where it does better than tRPC’s adapter', () => {
  it('answers "stopped" to a subscription stopped before its procedure returned, and never starts it', async () => {
    const socket = await ScriptedSocket.open(own.url);
    socket.send(call(1, 'subscription', 'late', { input: 'stopped-early' }), '{"id":1,"method":"subscription.stop"}');
    await socket.received(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(socket.frames).toEqual(['{"id":1,"result":{"type":"stopped"}}']);
    // Its iterator, once the procedure returned it, was let go without a single next().
    expect(iteratorLog.filter((entry) => entry.startsWith('stopped-early'))).toEqual(['stopped-early: made', 'stopped-early: return']);
    // The id is free again.
    socket.send(call(1, 'subscription', 'ticks', { input: { count: 1 } }));
    await socket.received(4);
    socket.close();
  });

  it('lets go of what a procedure returns after its socket closed', async () => {
    const socket = await ScriptedSocket.open(own.url);
    socket.send(call(1, 'subscription', 'late', { input: 'orphan' }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.close();
    await eventually(() => iteratorLog.includes('orphan: return'), 5000);
    expect(iteratorLog.filter((entry) => entry.startsWith('orphan'))).toEqual(['orphan: made', 'orphan: return']);
  });

  it('refuses a duplicate id without running its procedure, and returns a stopped iterator once', async () => {
    const socket = await ScriptedSocket.open(own.url);
    socket.send(call(1, 'subscription', 'idle', { input: 'first' }));
    await socket.received(1);
    socket.send(call(1, 'subscription', 'idle', { input: 'second' }), '{"id":1,"method":"subscription.stop"}');
    await socket.received(3);
    expect(iteratorLog.filter((entry) => /^(first|second):/.test(entry))).toEqual(['first: made', 'first: next', 'first: return']);
    socket.close();
  });

  it('encodes a shared value’s message once for every socket whose subscription has the same id', async () => {
    const sockets = await Promise.all(Array.from({ length: 5 }, () => ScriptedSocket.open(own.url)));
    const before = encodings.count;
    // An id no other test subscribes with: the frames made for it are made here.
    for (const socket of sockets) socket.send(call('fanned-out', 'subscription', 'shared'));
    await Promise.all(sockets.map((socket) => socket.received(4)));
    // "started" and "stopped" for each socket, and the two data messages once for all five.
    expect(encodings.count - before).toBe(5 * 2 + 2);
    expect(new Set(sockets.map((socket) => socket.frames.join('\n'))).size).toBe(1);
    for (const socket of sockets) socket.close();
  });

  it(`closes a socket whose message carries more than ${TEST_MAX_BATCH} calls (1009), before running any`, async () => {
    const socket = await ScriptedSocket.open(own.url);
    socket.send(Array.from({ length: TEST_MAX_BATCH + 1 }, (_, i) => call(i, 'subscription', 'idle', { input: `batch-${i}` })));
    await socket.closed();
    expect(socket.closeCode).toBe(1009);
    expect(socket.frames).toEqual([]);
    expect(iteratorLog.some((entry) => entry.startsWith('batch-'))).toBe(false);
  });
});
