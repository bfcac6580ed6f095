// Plain JavaScript on purpose: this decides whether dist/ must be built, so it runs before anything
// is compiled, with no TypeScript loader (types: dist-build.d.mts).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** The checkout's top directory (this file is src/server/dist-build.mjs and is never moved into dist/). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The two halves of dist/: what each is made from, the file that proves it exists, and the tool
 * that makes it. Both depend on package.json (dependency versions) and src/shared.
 */
const PARTS = {
  code: {
    sources: ['src/server', 'src/shared', 'jobs', 'tsconfig.json', 'tsconfig.build.json', 'package.json'],
    output: 'dist/src/server/main.js',
    tool: ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'],
  },
  client: {
    sources: ['src/client', 'src/shared', 'vite.config.ts', 'package.json'],
    output: 'dist/client/index.html',
    tool: ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'],
  },
};

/**
 * The settings a part is compiled with. Vite bakes every VITE_* variable into the web app, so a
 * build made with other values (VITE_DEV_CONTROLS=true, say) is not the build asked for.
 */
function buildSettings(part, env) {
  if (part === 'code') return {};
  return Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('VITE_')).sort(([a], [b]) => a.localeCompare(b)));
}

function stampFile(root, part) {
  return path.join(root, 'dist', `.${part}-build.json`);
}

function newestChange(target) {
  const stats = statSync(target, { throwIfNoEntry: false });
  if (!stats) return 0;
  if (!stats.isDirectory()) return stats.mtimeMs;
  // A directory's own time changes when a file in it is added, removed or renamed.
  return readdirSync(target, { recursive: true, withFileTypes: true }).reduce((newest, entry) => {
    return Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }, stats.mtimeMs);
}

function readStamp(root, part) {
  try {
    return JSON.parse(readFileSync(stampFile(root, part), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Why `part` of dist/ must be built before it is used, or undefined when it is current. */
export function staleness(part, { root = ROOT, env = process.env } = {}) {
  const { sources, output } = PARTS[part];
  const built = statSync(path.join(root, output), { throwIfNoEntry: false });
  const stamp = readStamp(root, part);
  if (!built) return 'missing';
  // Built by hand (e.g. a bare `vite build`): what it was built from and with is unknown.
  if (stamp?.outputMtimeMs !== built.mtimeMs) return 'not from npm run build';
  if (JSON.stringify(buildSettings(part, env)) !== JSON.stringify(stamp.settings)) return 'built with other VITE_* settings';
  if (Math.max(...sources.map((source) => newestChange(path.join(root, source)))) > stamp.sourcesAsOf) return 'older than its sources';
  return undefined;
}

function run(root, args, env) {
  const [tool] = args;
  if (!existsSync(path.join(root, tool))) {
    return Promise.reject(
      new Error(`dist/ must be built and ${tool} is not installed: run npm install (the build needs the dev dependencies), or deploy a dist/ made by npm run build.`),
    );
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${args.join(' ')} failed (exit code ${code})`));
    });
  });
}

/** Builds `part` of dist/ and records what it was built from, for `staleness`. */
export async function build(part, { root = ROOT, env = process.env } = {}) {
  const { output, tool } = PARTS[part];
  // Taken before the build starts: a source saved while it runs makes the next start build again.
  const sourcesAsOf = Date.now();
  await run(root, tool, env);
  mkdirSync(path.join(root, 'dist'), { recursive: true });
  const stamp = { sourcesAsOf, outputMtimeMs: statSync(path.join(root, output)).mtimeMs, settings: buildSettings(part, env) };
  writeFileSync(stampFile(root, part), `${JSON.stringify(stamp)}\n`);
}

/** Whether the process that wrote the lock file `file` still holds it (a lock left by a crash does not count). */
function lockHeld(file) {
  let stats;
  let holder;
  try {
    stats = statSync(file);
    holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
  } catch {
    return true; // let go since: try again
  }
  const age = Date.now() - stats.mtimeMs;
  // Created but not yet written: trust it for a few seconds only.
  if (!Number.isInteger(holder) || holder <= 0) return age < 5_000;
  // No build takes this long: the pid may since belong to another process.
  if (age > 10 * 60_000) return false;
  try {
    process.kill(holder, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Runs `work` while holding dist/'s build lock, waiting while another process (a second
 * `npm run migrate` or `npm run audit:verify` started at the same moment, say) holds it: two
 * builds writing the same files at once could each leave the other's reader a half-written file.
 */
export async function withBuildLock(work, { root = ROOT, say = (line) => { console.error(line); } } = {}) {
  const file = path.join(root, 'dist', '.build.lock');
  mkdirSync(path.dirname(file), { recursive: true });
  let told = false;
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    if (!lockHeld(file)) {
      // Left by a process that died while building: take it over.
      rmSync(file, { force: true });
      continue;
    }
    if (!told) say('tabsync: another process is building dist/: waiting for it…');
    told = true;
    await sleep(100);
  }
  try {
    return await work();
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * Builds each of `parts` that is not current, saying why in one line on stderr; nothing when all
 * are (and then nothing is written, so a read-only dist/ made by npm run build runs as it is).
 */
export async function buildIfStale(parts, { root = ROOT, env = process.env, say = (line) => { console.error(line); } } = {}) {
  if (parts.every((part) => staleness(part, { root, env }) === undefined)) return;
  await withBuildLock(async () => {
    for (const part of parts) {
      // Asked again under the lock: the process that held it may have just built this part.
      const reason = staleness(part, { root, env });
      if (!reason) continue;
      say(`tabsync: the ${part === 'code' ? 'server and workers' : 'web app'} build in dist/ is ${reason}: building it (npm run build)…`);
      await build(part, { root, env });
    }
  }, { root, say });
}
