import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GENEROUS_LIMITS } from '../support/api-requests.js';
import { useTestApp } from '../support/test-app.js';

interface UpgradeOutcome {
  status: number;
  retryAfter: string | undefined;
  body: string;
  socket?: WebSocket;
}

function upgrade(url: string): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/trpc`);
    socket.on('open', () => { resolve({ status: 101, retryAfter: undefined, body: '', socket }); });
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body }); });
    });
    socket.on('error', (error) => { if (socket.readyState !== WebSocket.CLOSED) reject(error); });
  });
}

describe('WebSocket upgrades admitted at a bounded rate (WS_MAX_UPGRADES_PER_SECOND)', () => {
  const t = useTestApp({ env: { ...GENEROUS_LIMITS, WS_MAX_UPGRADES_PER_SECOND: '5', WS_MAX_PER_IP: '100' } });

  it('answers a wave beyond the rate with 503 and Retry-After, and admits again a second later', async () => {
    const outcomes = await Promise.all(Array.from({ length: 30 }, () => upgrade(t.url)));
    const admitted = outcomes.filter((outcome) => outcome.status === 101);
    const refused = outcomes.filter((outcome) => outcome.status === 503);
    // At most two windows' worth, should the wave straddle a second.
    expect(admitted.length).toBeGreaterThanOrEqual(1);
    expect(admitted.length).toBeLessThanOrEqual(10);
    expect(admitted.length + refused.length).toBe(30);
    for (const outcome of refused) {
      expect(Number(outcome.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(outcome.body)).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE', httpStatus: 503 } });
    }
    for (const outcome of admitted) outcome.socket?.close();

    await new Promise((resolve) => setTimeout(resolve, 1100));
    const later = await upgrade(t.url);
    expect(later.status).toBe(101);
    later.socket?.close();
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});
