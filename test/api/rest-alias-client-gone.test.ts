import net from 'node:net';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { REST_VALIDATE } from '../support/api-requests.js';
import { eventually } from '../support/eventually.js';
import { useTestApp } from '../support/test-app.js';

interface LogLine {
  level: number;
  msg: string;
}
const ERROR_LEVEL = 50;

describe('a REST alias whose client leaves mid-body', () => {
  const logged: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => { logged.push(JSON.parse(line) as LogLine); } });
  const t = useTestApp({ overrides: { log } });

  it('is no failure of ours: nothing at error level, the server answers the next request', async () => {
    const url = new URL(t.url);
    const socket = net.connect(Number(url.port), url.hostname);
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    // A body announced at 100 bytes, cut off after a few.
    socket.write(`POST ${REST_VALIDATE} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"sessionId":`);
    // Time for the server to take the request and start reading its body.
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();

    await eventually(() => logged.some((line) => line.msg === 'REST alias: the client left before its body arrived'), 5000, 'the departure to be logged');
    expect(logged.filter((line) => line.level >= ERROR_LEVEL).map((line) => line.msg)).toEqual([]);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});
