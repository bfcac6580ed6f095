import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.js';
import type { ShutdownStack } from '../shutdown-stack.js';

export interface RedisConnector {
  /** A named connection, ready to use (unless `lazyConnect`); it closes with the shutdown stack. */
  connect: (name: string, options?: RedisOptions) => Promise<Redis>;
}

/**
 * Opens the Redis connections of one process. Each is named (CLIENT LIST shows who holds it), logs
 * its errors instead of crashing, and registers its own closing on the process's shutdown stack.
 */
export function createRedisConnector(opts: { url: string; namePrefix: string; log: Logger; shutdown: ShutdownStack }): RedisConnector {
  return {
    connect: async (name, options = {}) => {
      const client = new Redis(opts.url, { connectionName: `${opts.namePrefix}:${name}`, ...options });
      client.on('error', (error) => { opts.log.warn({ err: error, connection: name }, 'redis connection error'); });
      opts.shutdown.push(() => client.quit());
      if (!options.lazyConnect) {
        await new Promise<void>((resolve, reject) => {
          client.once('ready', resolve);
          client.once('end', () => { reject(new Error(`Redis connection "${name}" closed before it was ready.`)); });
        });
      }
      return client;
    },
  };
}
