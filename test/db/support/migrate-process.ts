import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildRun {
  child: ChildProcess;
  /** Resolves with the first stdout line that contains `text`, or rejects if the process ends first. */
  line(text: string): Promise<string>;
  /** Exit code and every stdout line, once the process has ended. */
  exited: Promise<{ code: number | null; lines: string[]; stderr: string }>;
}

/**
 * Runs a TypeScript entry point of this repository with `node --import tsx`, straight from src/: `npm run migrate`
 * runs the compiled dist/ (through scripts/launch.mjs), which a test would first have to build.
 */
export function runTsProcess(entry: string, env: Record<string, string>, nodeFlags: readonly string[] = []): ChildRun {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', entry], {
    env: { ...process.env, NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const watchers: { text: string; resolve: (line: string) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const watcher of watchers.filter((w) => line.includes(w.text))) {
      watchers.splice(watchers.indexOf(watcher), 1);
      watcher.resolve(line);
    }
  });
  const exited = new Promise<{ code: number | null; lines: string[]; stderr: string }>((resolve) => {
    // 'close', not 'exit': stdout has been read to its end by then.
    child.once('close', (code) => { resolve({ code, lines, stderr }); });
  });
  return {
    child,
    exited,
    line(text) {
      const seen = lines.find((line) => line.includes(text));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        watchers.push({ text, resolve });
        void exited.then(({ code }) => { reject(new Error(`process ended (${code}) before printing "${text}": ${stderr}`)); });
      });
    },
  };
}

/** The entry point `npm run migrate` runs (its source, not dist/), against `url`. */
export function runMigrateCli(url: string): ChildRun {
  return runTsProcess('src/server/db/migrate-cli.ts', { DATABASE_URL: url });
}
