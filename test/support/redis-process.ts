import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../src/server/redis/free-port.js';

export interface RedisProcess {
  url: string;
  /** Stops the server (SIGTERM: it writes its append-only file and exits). */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory: what was written comes back from the append-only file (if it keeps one). */
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  dispose(): Promise<void>;
}

export interface RedisProcessOptions {
  /** False: no append-only file, so a restart comes back empty (a Redis that lost its data). */
  persist?: boolean;
}

/**
 * A private redis-server for a test that stops and starts it: on a free port, with an append-only
 * file in a directory of its own, so that queued jobs survive the restart as they would in production.
 */
export async function startRedisProcess(options: RedisProcessOptions = {}): Promise<RedisProcess> {
  const appendOnly = options.persist === false ? 'no' : 'yes';
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tabsync-redis-'));
  let child: ChildProcess | undefined;

  const running = () => child?.exitCode === null && child.signalCode === null;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      // Already up: a second server on the same port would fail and hide the first from stop().
      if (running()) {
        resolve();
        return;
      }
      const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', appendOnly, '--appendfsync', 'always', '--dir', dir, '--save', ''], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child = server;
      const timer = setTimeout(() => { server.kill('SIGKILL'); reject(new Error('redis-server did not start within 15 s')); }, 15_000);
      server.once('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited with ${code}`)); });
      createInterface({ input: server.stdout }).on('line', (line) => {
        if (!line.includes('Ready to accept connections')) return;
        clearTimeout(timer);
        resolve();
      });
    });

  const stop = async () => {
    const server = child;
    if (!server || !running()) return;
    const exited = new Promise<void>((resolve) => server.once('exit', () => { resolve(); }));
    server.kill('SIGTERM');
    await exited;
  };

  await start();
  const dispose = async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: `redis://127.0.0.1:${port}`, start, stop, dispose };
}
