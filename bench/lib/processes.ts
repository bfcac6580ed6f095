/**
 * The parent side: every server and every load generator runs in a process of its own, forked
 * with an IPC channel. Load must come from another process than the server it measures (a worker
 * thread shares the server's heap and garbage collector), and servers measured for memory must be
 * alone in theirs.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ParentMessage } from './protocol.js';

const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface BenchChild<Ready> {
  ready: Ready;
  pid: number;
  /** Asks the child to run its handler `name`; rejects with the child's error. */
  call<T>(name: string, payload?: unknown): Promise<T>;
  /** Asks the child to close what it opened, then kills it if it does not exit. */
  stop(): Promise<void>;
  /** SIGKILL, as a crashed or lost machine goes: nothing is closed. */
  kill(): Promise<void>;
}

export interface ForkOptions {
  env?: Record<string, string>;
  /** For children whose memory is measured: `memoryAfterGc` calls gc(). */
  exposeGc?: boolean;
  startTimeoutMs?: number;
}

/** Forks `bench/<script>` under tsx and waits for its ready message. */
export function forkChild<Ready>(script: string, options: ForkOptions = {}): Promise<BenchChild<Ready>> {
  // BENCH_CPU_PROF=<dir>: every server writes V8 CPU profiles there when it stops (open them in
  // Chrome DevTools), to see where a figure's time goes. Load generators are not profiled. Node
  // names the files by pid and thread (tsx's loader thread writes one too), so the pid is logged.
  const profileDir = process.env.BENCH_CPU_PROF;
  const profile = profileDir && script.startsWith('servers/') ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [];
  const child = fork(path.join(BENCH_DIR, script), [], {
    execArgv: ['--import', 'tsx', ...(options.exposeGc ? ['--expose-gc'] : []), ...profile],
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
  void exited.then(() => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${script} exited: ${stderr}`));
    pending.clear();
  });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not start: ${stderr}`));
    }, options.startTimeoutMs ?? 60_000);
    void exited.then(() => { clearTimeout(timer); reject(new Error(`${script} exited before it was ready: ${stderr}`)); });
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        if (profile.length > 0) console.log(`${script}: pid ${child.pid ?? '?'}, profiled into ${profileDir ?? ''}`);
        resolve({
          ready: message.value as Ready,
          pid: child.pid ?? 0,
          call: <T>(name: string, payload?: unknown) =>
            new Promise<T>((resolveCall, rejectCall) => {
              const id = nextId++;
              pending.set(id, { resolve: (value) => { resolveCall(value as T); }, reject: rejectCall });
              const request: ParentMessage = { type: 'request', id, name, payload };
              child.send(request);
            }),
          stop: async () => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
            const stop: ParentMessage = { type: 'stop' };
            if (child.connected) child.send(stop);
            else child.kill('SIGTERM');
            await exited;
            clearTimeout(kill);
          },
          kill: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
            await exited;
          },
        });
        return;
      }
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(`${script}: ${message.error}`));
    });
  });
}

/** Stops children in reverse order of start, whatever happened. */
export async function stopAll(children: (BenchChild<unknown> | undefined)[]): Promise<void> {
  for (const child of [...children].reverse()) await child?.stop().catch(() => undefined);
}
