import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

export interface RedisLocation {
  url: string;
  /** How it was found, for the start-up log. */
  source: 'REDIS_URL' | 'local' | 'private';
  /** Stops the private server this process started, if it started one. */
  stop(): Promise<void>;
}

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

const DEFAULT_LOCAL = 'redis://127.0.0.1:6379';

async function answers(url: string, timeoutMs: number): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** A redis-server of this process's own on a free port, its files under `dataDir/redis`. */
export async function startPrivateRedis(dataDir: string): Promise<RedisLocation> {
  const dir = path.join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('error', () => { resolve(false); });
    child.once('spawn', () => { resolve(true); });
  });
  if (!spawned) throw installHint();
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (await answers(url, 200)) {
      return {
        url,
        source: 'private',
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) { resolve(); return; }
            child.once('exit', () => { resolve(); });
            child.kill('SIGTERM');
          }),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new RedisUnavailableError(`A private redis-server was started on port ${port} but never answered.`);
}

function installHint(): RedisUnavailableError {
  return new RedisUnavailableError(
    'Redis is required and none was found: REDIS_URL is unset, nothing answers on 127.0.0.1:6379 and redis-server is not on PATH. ' +
      'Install it (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`) or set REDIS_URL=redis://host:6379.',
  );
}

/** REDIS_URL if set; else a local server on 6379 if it answers; else a private child server under DATA_DIR. */
export async function locateRedis(options: { redisUrl: string | undefined; dataDir: string }): Promise<RedisLocation> {
  const none = () => Promise.resolve();
  if (options.redisUrl) return { url: options.redisUrl, source: 'REDIS_URL', stop: none };
  if (await answers(DEFAULT_LOCAL, 500)) return { url: DEFAULT_LOCAL, source: 'local', stop: none };
  return startPrivateRedis(options.dataDir);
}
