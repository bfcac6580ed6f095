import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { build, buildIfStale, staleness, withBuildLock } from '../../scripts/dist-build.mjs';

/**
 * A checkout in miniature: a few sources, and in place of tsc and Vite two small scripts that write
 * the part's output and count their runs, so that what the launcher decides is seen, not guessed.
 */
function miniCheckout(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tabsync-dist-build-'));
  for (const dir of ['src/server', 'src/shared', 'src/client', 'jobs']) mkdirSync(path.join(root, dir), { recursive: true });
  for (const file of ['src/server/main.ts', 'src/shared/schema.ts', 'src/client/main.tsx', 'jobs/main.ts', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'vite.config.ts']) {
    writeFileSync(path.join(root, file), '');
  }
  const fakeTool = (script: string, output: string) => {
    const file = path.join(root, script);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(
      file,
      `const fs = require('node:fs');
fs.mkdirSync(require('node:path').dirname(${JSON.stringify(output)}), { recursive: true });
fs.writeFileSync(${JSON.stringify(output)}, 'built');
fs.appendFileSync('runs.log', ${JSON.stringify(script)} + '\\n');`,
    );
  };
  fakeTool('node_modules/typescript/bin/tsc', 'dist/src/server/main.js');
  fakeTool('node_modules/vite/bin/vite.js', 'dist/client/index.html');
  return root;
}

function runs(root: string): string[] {
  try {
    return readFileSync(path.join(root, 'runs.log'), 'utf8').trim().split('\n');
  } catch {
    return [];
  }
}

const later = () => new Date(Date.now() + 60_000);

describe('whether dist/ must be built', () => {
  let root: string;
  const quiet = { say: () => undefined };
  beforeEach(() => { root = miniCheckout(); });
  afterEach(() => { rmSync(root, { recursive: true, force: true }); });

  it('builds what is missing, then nothing while it is current', async () => {
    expect(staleness('code', { root, env: {} })).toBe('missing');
    expect(staleness('client', { root, env: {} })).toBe('missing');
    await buildIfStale(['code', 'client'], { root, env: {}, ...quiet });
    expect(runs(root)).toEqual(['node_modules/typescript/bin/tsc', 'node_modules/vite/bin/vite.js']);
    expect(staleness('code', { root, env: {} })).toBeUndefined();
    expect(staleness('client', { root, env: {} })).toBeUndefined();
    await buildIfStale(['code', 'client'], { root, env: {}, ...quiet });
    expect(runs(root)).toHaveLength(2);
  });

  it('says in one line that it builds, and why, however many parts it builds (as the README promises of npm start)', async () => {
    const said: string[] = [];
    await buildIfStale(['code', 'client'], { root, env: {}, say: (line) => { said.push(line); } });
    expect(said).toEqual(['tabsync: the server and workers build in dist/ is missing, and the web app build in dist/ is missing: building them (npm run build)…']);

    said.length = 0;
    utimesSync(path.join(root, 'src/client/main.tsx'), later(), later());
    await buildIfStale(['code', 'client'], { root, env: {}, say: (line) => { said.push(line); } });
    expect(said).toEqual(['tabsync: the web app build in dist/ is older than its sources: building it (npm run build)…']);
  });

  it('rebuilds only the part whose sources changed', async () => {
    await buildIfStale(['code', 'client'], { root, env: {}, ...quiet });
    utimesSync(path.join(root, 'jobs/main.ts'), later(), later());
    expect(staleness('code', { root, env: {} })).toBe('older than its sources');
    expect(staleness('client', { root, env: {} })).toBeUndefined();
    await buildIfStale(['code', 'client'], { root, env: {}, ...quiet });
    expect(runs(root)).toEqual(['node_modules/typescript/bin/tsc', 'node_modules/vite/bin/vite.js', 'node_modules/typescript/bin/tsc']);
  });

  it('counts a source added to a directory as a change', async () => {
    await build('code', { root, env: {} });
    writeFileSync(path.join(root, 'src/server/new-part.ts'), '');
    utimesSync(path.join(root, 'src/server'), later(), later());
    expect(staleness('code', { root, env: {} })).toBe('older than its sources');
  });

  it('rebuilds the web app when a VITE_* setting differs from the one it was built with', async () => {
    await build('client', { root, env: { VITE_DEV_CONTROLS: 'true', PATH: '/bin' } });
    expect(staleness('client', { root, env: { VITE_DEV_CONTROLS: 'true', PATH: '/usr/bin' } })).toBeUndefined();
    expect(staleness('client', { root, env: {} })).toBe('built with other VITE_* settings');
    expect(staleness('client', { root, env: { VITE_DEV_CONTROLS: 'false' } })).toBe('built with other VITE_* settings');
    // The server's code knows nothing of them.
    await build('code', { root, env: {} });
    expect(staleness('code', { root, env: { VITE_DEV_CONTROLS: 'true' } })).toBeUndefined();
  });

  it('does not trust a build made by hand since (a bare vite build, with settings unknown)', async () => {
    await build('client', { root, env: {} });
    utimesSync(path.join(root, 'dist/client/index.html'), later(), later());
    expect(staleness('client', { root, env: {} })).toBe('not from npm run build');
  });

  it('builds once when two commands find dist/ stale at the same moment (npm run migrate beside npm run audit:verify)', async () => {
    const said: string[] = [];
    const say = (line: string) => { said.push(line); };
    await Promise.all([buildIfStale(['code'], { root, env: {}, say }), buildIfStale(['code'], { root, env: {}, say })]);
    expect(runs(root)).toEqual(['node_modules/typescript/bin/tsc']);
    expect(said).toContain('tabsync: another process is building dist/: waiting for it…');
    expect(existsSync(path.join(root, 'dist/.build.lock'))).toBe(false);
  });

  it('takes over the build lock of a process that died while building', async () => {
    // A pid no process has any more: a node that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    mkdirSync(path.join(root, 'dist'), { recursive: true });
    writeFileSync(path.join(root, 'dist/.build.lock'), dead);
    await buildIfStale(['code'], { root, env: {}, ...quiet });
    expect(runs(root)).toEqual(['node_modules/typescript/bin/tsc']);
    expect(existsSync(path.join(root, 'dist/.build.lock'))).toBe(false);
  });

  it('takes over promptly a build lock that names this process but that it does not hold (PID 1 of a container restarted in place)', async () => {
    mkdirSync(path.join(root, 'dist'), { recursive: true });
    for (const content of [String(process.pid), `${String(process.pid)} 0123456789abcdef\n`]) {
      writeFileSync(path.join(root, 'dist/.build.lock'), content);
      const said: string[] = [];
      const started = Date.now();
      await withBuildLock(() => Promise.resolve(), { root, say: (line) => { said.push(line); } });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(said).toEqual([]);
      expect(existsSync(path.join(root, 'dist/.build.lock'))).toBe(false);
    }
  });

  it('lets one process at a time take over a dead build lock that several find at once', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    mkdirSync(path.join(root, 'dist'), { recursive: true });
    writeFileSync(path.join(root, 'dist/.build.lock'), dead);
    // Each process notes when it starts and ends its work under the lock; no two may overlap.
    const script = `import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { withBuildLock } from ${JSON.stringify(pathToFileURL(path.resolve('scripts/dist-build.mjs')).href)};
await withBuildLock(async () => {
  appendFileSync('work.log', 'start\\n');
  await sleep(150);
  appendFileSync('work.log', 'end\\n');
}, { root: process.cwd(), say: () => {} });`;
    const waiters = Array.from({ length: 3 }, () => new Promise<number | null>((resolve) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: root }, (error) => { resolve(error ? (error.code as number) : 0); });
    }));
    expect(await Promise.all(waiters)).toEqual([0, 0, 0]);
    expect(readFileSync(path.join(root, 'work.log'), 'utf8').trim().split('\n')).toEqual(['start', 'end', 'start', 'end', 'start', 'end']);
    expect(readdirSync(path.join(root, 'dist'))).toEqual([]);
  });

  it('lets go of the build lock when the build fails', async () => {
    await expect(withBuildLock(() => Promise.reject(new Error('tsc failed')), { root, ...quiet })).rejects.toThrow('tsc failed');
    expect(existsSync(path.join(root, 'dist/.build.lock'))).toBe(false);
  });

  it('writes nothing into a current dist/ (a deploy may make it read-only)', async () => {
    await buildIfStale(['code', 'client'], { root, env: {}, ...quiet });
    const { mtimeMs } = statSync(path.join(root, 'dist'));
    await buildIfStale(['code', 'client'], { root, env: {}, ...quiet });
    expect(statSync(path.join(root, 'dist')).mtimeMs).toBe(mtimeMs);
  });

  it('says what to do when the build tools are not installed', async () => {
    rmSync(path.join(root, 'node_modules'), { recursive: true });
    await expect(buildIfStale(['code'], { root, env: {}, ...quiet })).rejects.toThrow(/npm install/);
  });
});
