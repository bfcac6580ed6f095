import type { ServerResponse } from 'node:http';
import { sendJson } from './json-response.js';

export type ReadinessCheck = () => Promise<void>;

export function sendHealth(res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}

/** 200 when every dependency answers within the timeout, 503 naming the ones that did not. */
export async function sendReadiness(res: ServerResponse, checks: Record<string, ReadinessCheck>, timeoutMs = 2000): Promise<void> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([check(), new Promise((_, reject) => { timer = setTimeout(() => { reject(new Error('timeout')); }, timeoutMs); })]);
        return [name, 'ok'] as const;
      } catch {
        return [name, 'unavailable'] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const ready = entries.every(([, state]) => state === 'ok');
  sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(entries) });
}
