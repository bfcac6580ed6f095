/**
 * The child side of the harness's processes (servers and load generators). A child announces
 * itself once with what the parent needs (its URL, say), then answers named requests over the IPC
 * channel. Keeping this to one message shape lets every child be a few lines of real work.
 */
import type { ParentMessage, ChildMessage } from './protocol.js';

export type Handler = (payload: unknown) => Promise<unknown>;

export function serveParent(ready: unknown, handlers: Record<string, Handler>, close: () => Promise<void>): void {
  const send = (message: ChildMessage) => { process.send?.(message); };
  // A stop request and the channel closing behind it both lead here: close once.
  let closing: Promise<void> | undefined;
  const closeOnce = () => (closing ??= close());
  process.on('message', (raw: ParentMessage) => {
    if (raw.type === 'stop') {
      // Exit even if a close step hangs: a stuck child must not hold the whole run.
      setTimeout(() => process.exit(0), 10_000).unref();
      closeOnce().then(
        () => process.exit(0),
        (error: unknown) => { console.error(error); process.exit(1); },
      );
      return;
    }
    const handler = handlers[raw.name];
    if (!handler) {
      send({ type: 'response', id: raw.id, ok: false, error: `no handler "${raw.name}"` });
      return;
    }
    handler(raw.payload).then(
      (value) => { send({ type: 'response', id: raw.id, ok: true, value }); },
      (error: unknown) => { send({ type: 'response', id: raw.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }); },
    );
  });
  // The parent died (or was interrupted): nothing will ever ask this child to stop.
  process.on('disconnect', () => { void closeOnce().finally(() => process.exit(0)); });
  send({ type: 'ready', value: ready });
}

/** Resident, heap and external bytes after full collections (needs --expose-gc). */
export async function memoryAfterGc(): Promise<NodeJS.MemoryUsage> {
  const { gc } = globalThis;
  if (!gc) throw new Error('run this child with --expose-gc');
  // Several rounds with turns of the event loop between: weak refs and finalisers free more each time.
  for (let i = 0; i < 4; i += 1) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage();
}
