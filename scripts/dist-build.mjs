// Plain JavaScript on purpose: this decides whether dist/ must be built, so it runs before anything
// is compiled, with no TypeScript loader (types: dist-build.d.mts).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** The checkout's top directory (this file is scripts/dist-build.mjs, which is never compiled into dist/). */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));

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

const LOCK_WAIT_LINE = 'tabsync: another process is building dist/: waiting for it…';

/**
 * This process's turn at each lock file (a promise chain a file): callers in one process take the
 * lock one after the other, so a lock file that names this process's pid is ours only while we
 * hold it, and otherwise was left by an earlier process that had the same pid (PID 1 of a container
 * restarted in place, say). Worker threads each have their own: take the lock from one thread only.
 */
const turns = new Map();
/** The nonces of the lock files this process holds now. */
const heldNonces = new Set();

/** The lock file's content, pid and nonce, and what identifies the file itself (undefined: gone). */
function readLock(file) {
  try {
    const stats = statSync(file);
    const content = readFileSync(file, 'utf8');
    const [pid, nonce] = content.trim().split(/\s+/);
    return { content, holder: Number(pid), nonce, ino: stats.ino, mtimeMs: stats.mtimeMs };
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  }
}

function sameLock(a, b) {
  return a !== undefined && b !== undefined && a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.content === b.content;
}

/** Whether the process that wrote `lock` still holds it (a lock left by a crash does not count). */
function lockHeld(lock) {
  const age = Date.now() - lock.mtimeMs;
  // Created but not yet written: trust it for a few seconds only.
  if (!Number.isInteger(lock.holder) || lock.holder <= 0) return age < 5_000;
  if (lock.holder === process.pid) return heldNonces.has(lock.nonce);
  // No build takes this long: the pid may since belong to another process.
  if (age > 10 * 60_000) return false;
  try {
    process.kill(lock.holder, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Removes the stale lock `lock`, unless another process has taken it over first. Renaming is
 * atomic, so of several processes that found the same stale lock one moves it away; the others
 * move away whatever is there by then, see that it is not the stale lock (one of them may already
 * have taken the lock) and put it back.
 */
function takeOver(file, lock) {
  const aside = `${file}.stale-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if (error.code === 'ENOENT') return; // moved away already
    throw error;
  }
  try {
    if (!sameLock(readLock(aside), lock)) linkSync(aside, file);
  } catch (error) {
    // EEXIST: a lock was taken in the moment it was away. Two builds may then overlap, as they
    // would have without a lock: three processes finding one stale lock at the same instant.
    if (error.code !== 'EEXIST') throw error;
  } finally {
    rmSync(aside, { force: true });
  }
}

/** Creates the lock file, waiting while another process holds it; gives its nonce. */
async function acquire(file, waiting) {
  const nonce = randomBytes(12).toString('hex');
  mkdirSync(path.dirname(file), { recursive: true });
  for (;;) {
    try {
      writeFileSync(file, `${process.pid} ${nonce}\n`, { flag: 'wx' });
      heldNonces.add(nonce);
      return nonce;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    const lock = readLock(file);
    if (lock === undefined) continue; // let go since: try again
    if (!lockHeld(lock)) {
      // Left by a process that died while building: take it over.
      takeOver(file, lock);
      continue;
    }
    waiting();
    await sleep(100);
  }
}

/** Lets go of the lock file if it is still ours (after 10 minutes another process may have taken it). */
function release(file, nonce) {
  heldNonces.delete(nonce);
  const lock = readLock(file);
  if (lock?.holder === process.pid && lock.nonce === nonce) rmSync(file, { force: true });
}

/**
 * Runs `work` while holding dist/'s build lock, waiting while another process (a second
 * `npm run migrate` or `npm run audit:verify` started at the same moment, say) or another caller
 * in this one holds it: two builds writing the same files at once could each leave the other's
 * reader a half-written file.
 */
export async function withBuildLock(work, { root = ROOT, say = (line) => { console.error(line); } } = {}) {
  const file = path.join(root, 'dist', '.build.lock');
  let told = false;
  const waiting = () => {
    if (!told) say(LOCK_WAIT_LINE);
    told = true;
  };
  const ahead = turns.get(file);
  let done;
  const mine = new Promise((resolve) => { done = resolve; });
  const turn = (ahead ?? Promise.resolve()).then(() => mine);
  turns.set(file, turn);
  try {
    if (ahead) {
      waiting();
      await ahead;
    }
    const nonce = await acquire(file, waiting);
    try {
      return await work();
    } finally {
      release(file, nonce);
    }
  } finally {
    done();
    if (turns.get(file) === turn) turns.delete(file);
  }
}

/** How the one line that announces a build names each part. */
const PART_NAMES = { code: 'server and workers', client: 'web app' };

/**
 * Builds each of `parts` that is not current, saying so (and why) in one line on stderr however
 * many parts it builds; nothing when all are (and then nothing is written, so a read-only dist/
 * made by npm run build runs as it is).
 */
export async function buildIfStale(parts, { root = ROOT, env = process.env, say = (line) => { console.error(line); } } = {}) {
  if (parts.every((part) => staleness(part, { root, env }) === undefined)) return;
  await withBuildLock(async () => {
    // Asked again under the lock: the process that held it may have just built them.
    const stale = parts.flatMap((part) => {
      const reason = staleness(part, { root, env });
      return reason ? [{ part, reason }] : [];
    });
    if (stale.length === 0) return;
    const why = stale.map(({ part, reason }) => `the ${PART_NAMES[part]} build in dist/ is ${reason}`).join(', and ');
    say(`tabsync: ${why}: building ${stale.length > 1 ? 'them' : 'it'} (npm run build)…`);
    for (const { part } of stale) await build(part, { root, env });
  }, { root, say });
}
