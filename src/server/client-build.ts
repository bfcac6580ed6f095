import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from './logger.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What the client build is made from: its own sources, the shared schemas, and the build settings. */
const SOURCES = ['src/client', 'src/shared', 'vite.config.ts'].map((part) => path.join(ROOT, part));

function newestChange(target: string): number {
  const stats = statSync(target, { throwIfNoEntry: false });
  if (!stats) return 0;
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(target, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((newest, entry) => Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs), stats.mtimeMs);
}

/** Why the build in `dir` cannot be served as it is, or undefined when it is current. */
export function clientBuildStaleness(dir: string): 'missing' | 'older than the client sources' | undefined {
  const built = statSync(path.join(dir, 'index.html'), { throwIfNoEntry: false });
  if (!built) return 'missing';
  return Math.max(...SOURCES.map(newestChange)) > built.mtimeMs ? 'older than the client sources' : undefined;
}

/** Builds the web app into `dir` when it is missing or stale, saying so in one line. */
export async function buildClientIfStale(dir: string, log: Logger): Promise<void> {
  const staleness = clientBuildStaleness(dir);
  if (!staleness) return;
  log.info({ dir }, `The web app's build is ${staleness}: building it now (npm run build)…`);
  // Vite is needed only here, so a deployment that ships a current build never loads it.
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'vite.config.ts'), logLevel: 'warn' });
}
