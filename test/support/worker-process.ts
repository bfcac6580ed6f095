import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export interface WorkerProcessOptions {
  redisPrefix: string;
  lockDuration: number;
  stalledInterval: number;
  slowMoveMs?: number;
}

/** Starts test/support/worker-process-entry.ts and waits for its "workers started" log line. */
export function startWorkerProcess(env: Record<string, string>, options: WorkerProcessOptions): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-process-entry.ts'], {
    env: { ...process.env, ...env, NODE_ENV: 'test', LOG_LEVEL: 'info', TABSYNC_TEST_WORKER: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code); }));
  const kill = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { void kill('SIGKILL'); reject(new Error(`worker did not start: ${stderr.join('')}`)); }, 30_000);
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`worker exited with ${code}: ${stderr.join('')}`)); });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.includes('"workers started"')) return;
      clearTimeout(timer);
      resolve({ child, exited, kill });
    });
  });
}
