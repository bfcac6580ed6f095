import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CLIENT_BUILD_DIR } from '../../../src/server/http/client-app.js';

/** Which web app a browser test needs: the normal build, or the one with the developer controls. */
export type ClientBuild = 'normal' | 'dev-controls';

/** Names the build dist/client holds (a dot file: the server never sends it). */
const BUILD_NOTE = path.join(CLIENT_BUILD_DIR, '.test-build');

/** The build a browser test last made in dist/client, if any. */
export async function builtClient(): Promise<string | undefined> {
  return readFile(BUILD_NOTE, 'utf8').catch(() => undefined);
}

/**
 * Builds the client into dist/client as `npm run build` does (precompressed copies included),
 * with the developer controls compiled in only when asked. The directory is not emptied first:
 * a server another test file started serves the files of its own build from it meanwhile (hashed
 * names keep the builds apart; the page each server sends it read when it started).
 */
export function buildClient(build: ClientBuild): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' };
  if (build === 'dev-controls') env.VITE_DEV_CONTROLS = 'true';
  else delete env.VITE_DEV_CONTROLS;
  return new Promise((resolve, reject) => {
    const child = spawn('node_modules/.bin/vite', ['build', '--logLevel', 'warn', '--emptyOutDir=false'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const errors: string[] = [];
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(writeFile(BUILD_NOTE, build));
      else reject(new Error(`vite build failed (exit ${code}): ${errors.join('')}`));
    });
  });
}
