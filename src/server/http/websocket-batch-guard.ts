import type { RawData, WebSocket } from 'ws';

/** Close code 1009: the message is too big to process (RFC 6455), as for a frame over maxPayload. */
const MESSAGE_TOO_BIG = 1009;

type MessageListener = (data: RawData, isBinary: boolean) => void;

/**
 * Bounds how many calls one WebSocket message may carry. tRPC runs every element of an array
 * message as a call of its own and has no limit of its own over WebSocket, so the listeners it
 * attached to `ws` (those not in `before`) are moved behind a check: an array longer than
 * `maxBatch` closes the socket instead of reaching them. Only array messages are parsed twice.
 */
export function guardBatchSize(ws: WebSocket, before: ReadonlySet<unknown>, maxBatch: number): void {
  const guarded = ws.listeners('message').filter((listener) => !before.has(listener)) as MessageListener[];
  for (const listener of guarded) ws.off('message', listener);
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (tooManyCalls(data, maxBatch)) {
      ws.close(MESSAGE_TOO_BIG, `at most ${maxBatch} calls per message`);
      return;
    }
    for (const listener of guarded) listener(data, isBinary);
  });
}

function tooManyCalls(data: RawData, maxBatch: number): boolean {
  const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
  if (!text.trimStart().startsWith('[')) return false;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.length > maxBatch;
  } catch {
    return false; // tRPC answers malformed JSON itself
  }
}
