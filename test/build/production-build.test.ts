import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/dist-build.mjs';
import { claimTestRedisDatabase, type ClaimedDatabase } from '../support/redis-databases.js';

/** tsc with the build's settings into a directory of its own, so that no running dist/ is touched. */
function compile(outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code) => { if (code === 0) resolve(); else reject(new Error(`tsc failed (${code}): ${output.join('')}`)); });
  });
}

interface Started {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

/**
 * Runs a compiled entry point with plain node and the environment given, nothing inherited (so no
 * NODE_OPTIONS can slip a loader in), until a log line matches `ready`.
 */
function startCompiled(entry: string, env: Record<string, string>, ready: RegExp): Promise<Started> {
  const child = spawn(process.execPath, [entry], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code); }));
  return new Promise((resolve, reject) => {
    void exited.then((code) => { reject(new Error(`${entry} exited with ${code}: ${stderr.join('')}`)); });
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (ready.test(line)) resolve({ child, lines, exited });
    });
  });
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a compiled command-line entry point with plain node and only the environment given, to its end. */
function runCompiled(entry: string, args: string[], env: Record<string, string>): Promise<Finished> {
  const child = spawn(process.execPath, [entry, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => { resolve({ code, stdout: stdout.join(''), stderr: stderr.join('') }); });
  });
}

/**
 * The packages a JavaScript file loads by name: its imports, exports, import() and require() calls
 * (as TypeScript's own scanner finds them), and createRequire(import.meta.url)('…') (the logger's
 * pino-pretty). Node's built-in modules and relative paths are not packages.
 */
function packagesLoadedBy(source: string): string[] {
  const specifiers = ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
  for (const match of source.matchAll(/createRequire\(import\.meta\.url\)\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(match[1] ?? '');
  return specifiers
    .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:') && !builtinModules.includes(specifier.split('/')[0] ?? ''))
    .map((specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'));
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

describe('the production build', () => {
  // Inside the checkout, where node finds node_modules and package.json's "type": "module".
  const outDir = path.join(ROOT, 'dist', `.build-test-${process.pid}`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tabsync-dist-'));
  let redis: ClaimedDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    await compile(outDir);
    // A numbered database of its own: these processes use the default key prefix.
    redis = await claimTestRedisDatabase();
    env = { NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, REDIS_URL: redis.url, LOG_LEVEL: 'info' };
  }, 180_000);

  afterAll(async () => {
    await redis.release();
    rmSync(outDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is JavaScript only: the server, the workers, the command-line tools and the shared schemas', () => {
    const files = filesUnder(outDir);
    expect(files).toContain('src/server/main.js');
    expect(files).toContain('jobs/main.js');
    // What `npm run migrate` and `npm run audit:verify` run (scripts/launch.mjs).
    expect(files).toContain('src/server/db/migrate-cli.js');
    expect(files).toContain('src/server/audit-verify-cli.js');
    expect(files.some((file) => file.startsWith('src/shared/'))).toBe(true);
    expect(files.filter((file) => !/\.js(\.map)?$/.test(file))).toEqual([]);
  });

  it('imports at run time only packages a production install (npm ci --omit=dev) has', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const dependencies = Object.keys(manifest.dependencies);
    // What the launcher runs before dist/ exists, and what it then runs from dist/.
    const sources = [
      ...['scripts/launch.mjs', 'scripts/dist-build.mjs'].map((file) => path.join(ROOT, file)),
      ...filesUnder(outDir).filter((file) => file.endsWith('.js')).map((file) => path.join(outDir, file)),
    ];
    const loaded = new Map<string, string>();
    for (const file of sources) {
      for (const name of packagesLoadedBy(readFileSync(file, 'utf8'))) loaded.set(name, path.relative(ROOT, file));
    }
    // The scan sees what the code names (a check that it sees something at all).
    expect([...loaded.keys()]).toEqual(expect.arrayContaining(['express', 'sequelize', 'pino', 'pino-pretty', 'umzug']));
    // Loaded by name from inside sequelize, for the databases DATABASE_URL may name.
    for (const driver of ['pg', 'pg-hstore', 'sqlite3']) loaded.set(driver, 'sequelize (a dialect driver)');
    const missing = [...loaded].filter(([name]) => !dependencies.includes(name)).map(([name, file]) => `${name} (loaded by ${file})`);
    expect(missing).toEqual([]);
    // A TypeScript loader has no place in a production install: only the development tools use it.
    expect(dependencies).not.toContain('tsx');
    expect(Object.keys(manifest.devDependencies)).toContain('tsx');
  });

  it('runs the migrations and the audit chain check from plain node, with their exit codes', async () => {
    const cliEnv = { NODE_ENV: 'production', DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'tabsync-dist-cli-')), LOG_LEVEL: 'silent' };
    try {
      const verify = path.join(outDir, 'src/server/audit-verify-cli.js');
      // Before any migration there is no chain to read: 2, not a crash.
      const unreadable = await runCompiled(verify, [], cliEnv);
      expect(unreadable.code, unreadable.stderr).toBe(2);
      expect(unreadable.stderr).toContain('audit:verify could not read the chain');

      const migrate = await runCompiled(path.join(outDir, 'src/server/db/migrate-cli.js'), [], cliEnv);
      expect(migrate.code, migrate.stderr).toBe(0);
      expect(migrate.stdout).toContain('Migrations are up to date.');

      const verified = await runCompiled(verify, [], cliEnv);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(/^audit chain OK: 0 rows, head row 0 [0-9a-f]{64}; no checkpoint$/m);
    } finally {
      rmSync(cliEnv.DATA_DIR, { recursive: true, force: true });
    }
  });

  it('serves /healthz from plain node with no TypeScript loader, logs JSON into a pipe, and stops on SIGTERM with 0', async () => {
    const server = await startCompiled(path.join(outDir, 'src/server/main.js'), env, /"url":"http/);
    try {
      const listening = listeningUrl(server.lines);
      const health = await fetch(`${listening}/healthz`);
      expect(health.status).toBe(200);
      // What the process really runs with, as the kernel has it.
      const commandLine = readFileSync(`/proc/${String(server.child.pid)}/cmdline`, 'utf8').split('\0').filter(Boolean);
      expect(commandLine).toEqual([process.execPath, path.join(outDir, 'src/server/main.js')]);
      const environment = readFileSync(`/proc/${String(server.child.pid)}/environ`, 'utf8');
      expect(environment).not.toMatch(/NODE_OPTIONS|tsx/);
      for (const line of server.lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });

  it('runs the workers from plain node until SIGTERM, then exits 0', async () => {
    const workers = await startCompiled(path.join(outDir, 'jobs/main.js'), env, /"workers started"/);
    workers.child.kill('SIGTERM');
    expect(await workers.exited, workers.lines.join('\n')).toBe(0);
    expect(workers.lines.join('\n')).toContain('"shutting down"');
  });
});

/** The address the server's "listening" line names. */
function listeningUrl(lines: string[]): string {
  const line = lines.find((candidate) => candidate.includes('"url":"http'));
  const parsed = line ? (JSON.parse(line) as { url?: unknown }) : {};
  if (typeof parsed.url !== 'string') throw new Error(`no listening line in ${lines.join('\n')}`);
  return parsed.url;
}
