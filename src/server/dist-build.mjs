// Plain JavaScript on purpose: this decides whether dist/ must be built, so it runs before anything
// is compiled, with no TypeScript loader (types: dist-build.d.mts).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Builds each of `parts` that is not current, saying why in one line on stderr; nothing when all are. */
export async function buildIfStale(parts, { root = ROOT, env = process.env, say = (line) => { console.error(line); } } = {}) {
  for (const part of parts) {
    const reason = staleness(part, { root, env });
    if (!reason) continue;
    say(`tabsync: the ${part === 'code' ? 'server and workers' : 'web app'} build in dist/ is ${reason}: building it (npm run build)…`);
    await build(part, { root, env });
  }
}
