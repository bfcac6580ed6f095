import { ConfigError } from './config/env.js';
import type { Logger } from './logger.js';
import { RedisUnavailableError } from './redis/locate-redis.js';

/** What an entry point started and must close before the process exits. */
export interface Stoppable {
  log: Logger;
  close(): Promise<void>;
}

/**
 * Closes `target` on the first SIGTERM or SIGINT, then exits: 0 when everything closed, 1 otherwise.
 * A target still starting is closed once it has started; a second signal is left to its default
 * action, so a start-up that hangs can still be interrupted.
 */
export function closeOnSignals(target: Stoppable | Promise<Stoppable>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    Promise.resolve(target).then(
      async (started) => {
        started.log.info({ signal }, 'shutting down');
        try {
          await started.close();
          process.exit(0);
        } catch (error) {
          started.log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        }
      },
      // A start-up that failed is reported (and the process ended) by whoever started it.
      () => undefined,
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/**
 * Runs an entry point: listens for signals from its first moment (a signal between the "started"
 * log line and the end of start-up would otherwise kill it outright), starts it, and closes it on a
 * signal. A start-up that fails exits 1 — with one readable line for the problems an operator fixes
 * (a setting, a missing Redis), with the stack for anything else.
 */
export function runProcess(name: string, start: () => Promise<Stoppable>): void {
  // Through a promise, so that a start-up that throws at once (a bad setting) is reported the same way.
  const started = Promise.resolve().then(start);
  closeOnSignals(started);
  started.catch((error: unknown) => {
    if (error instanceof ConfigError || error instanceof RedisUnavailableError) console.error(`${name}: ${error.message}`);
    else console.error(`${name}: start-up failed:`, error);
    process.exit(1);
  });
}
