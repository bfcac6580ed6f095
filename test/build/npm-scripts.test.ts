import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIfStale, ROOT } from '../../scripts/dist-build.mjs';

/**
 * Loaded with --import (through NODE_OPTIONS) into every node process a command starts: npm, the
 * launcher, and whatever the launcher runs. Its hooks refuse any TypeScript file and anything of
 * tsx, so a process that needs a TypeScript loader fails; at exit it records what the process ran.
 */
const PROBE = `import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
register('./refuse-typescript.mjs', import.meta.url);
process.once('exit', (code) => {
  appendFileSync(process.env.TABSYNC_PROBE_LOG, JSON.stringify({ argv: process.argv, execArgv: process.execArgv, code }) + '\\n');
});
`;

const REFUSE_TYPESCRIPT = `export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  const { pathname } = new URL(resolved.url);
  if (/\\.[cm]?tsx?$/.test(pathname) || pathname.includes('/node_modules/tsx/')) {
    throw new Error('TypeScript in a process that runs compiled JavaScript only: ' + resolved.url);
  }
  return resolved;
}
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every node process of the run that exited, with its process.argv at exit. */
  processes: { argv: string[]; execArgv: string[]; code: number }[];
}

describe('npm run migrate and npm run audit:verify', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tabsync-npm-scripts-'));
  const probe = path.join(dir, 'probe.mjs');
  let runs = 0;

  beforeAll(async () => {
    writeFileSync(probe, PROBE);
    writeFileSync(path.join(dir, 'refuse-typescript.mjs'), REFUSE_TYPESCRIPT);
    // What the first command would otherwise do itself (it builds only what is stale).
    await buildIfStale(['code']);
  }, 180_000);

  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  /** Runs `command` from the checkout with the probe in every node process and only the environment given. */
  function run(command: string, args: string[], env: Record<string, string>): Promise<Run> {
    runs += 1;
    const log = path.join(dir, `run-${String(runs)}.ndjson`);
    writeFileSync(log, '');
    const environment = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      NODE_OPTIONS: `--import=${pathToFileURL(probe).href}`,
      TABSYNC_PROBE_LOG: log,
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      ...env,
    };
    return new Promise((resolve) => {
      execFile(command, args, { cwd: ROOT, env: environment, timeout: 60_000 }, (error, stdout, stderr) => {
        const processes = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Run['processes'][number]);
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr, processes });
      });
    });
  }

  /** The process that ran `entry` (the launcher, once it has handed process.argv to the entry). */
  function ranEntry(result: Run, entry: string) {
    const found = result.processes.filter((started) => started.argv[1] === path.join(ROOT, entry));
    expect(found, JSON.stringify(result.processes)).toHaveLength(1);
    return found[0];
  }

  it('refuses, through the probe, a process that runs TypeScript (so that the checks below mean something)', async () => {
    const result = await run(process.execPath, ['--import', 'tsx', 'src/server/db/migrate-cli.ts'], { DATA_DIR: path.join(dir, 'refused') });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('TypeScript in a process that runs compiled JavaScript only');
  });

  it('run the compiled JavaScript in dist/ under plain node, with their arguments and exit codes', async () => {
    const env = { DATA_DIR: path.join(dir, 'data') };

    // No migrations yet: audit:verify cannot read the chain, and says so with 2.
    const unreadable = await run('npm', ['run', '--silent', 'audit:verify'], env);
    expect(unreadable.code, unreadable.stderr).toBe(2);
    expect(unreadable.stderr).toContain('audit:verify could not read the chain');
    expect(ranEntry(unreadable, 'dist/src/server/audit-verify-cli.js')?.code).toBe(2);

    const migrated = await run('npm', ['run', '--silent', 'migrate', '--', '--an-argument'], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain('Migrations are up to date.');
    const migrator = ranEntry(migrated, 'dist/src/server/db/migrate-cli.js');
    expect(migrator?.argv).toEqual([process.execPath, path.join(ROOT, 'dist/src/server/db/migrate-cli.js'), '--an-argument']);
    expect(migrator?.execArgv).toEqual([]);

    const verified = await run('npm', ['run', '--silent', 'audit:verify'], env);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^audit chain OK: 0 rows/m);
    expect(ranEntry(verified, 'dist/src/server/audit-verify-cli.js')?.execArgv).toEqual([]);
  });

  it('are, like start, server and worker, scripts with no TypeScript loader', () => {
    const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    for (const name of ['start', 'server', 'worker', 'migrate', 'audit:verify']) {
      expect(scripts[name], name).toMatch(/^node scripts\/launch\.mjs /);
    }
  });
});
