// Plain JavaScript on purpose: `npm start`, `npm run server`, `npm run worker`, `npm run migrate` and
// `npm run audit:verify` run the compiled dist/ with plain node, so what builds dist/ cannot itself
// need compiling (and a production install, `npm ci --omit=dev`, has no TypeScript loader).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildIfStale, build, withBuildLock, ROOT } from './dist-build.mjs';

/** What each command needs built, and the compiled entry point it then runs in this process. */
const COMMANDS = {
  server: { parts: ['code', 'client'], entry: 'dist/src/server/main.js' },
  worker: { parts: ['code'], entry: 'dist/jobs/main.js' },
  migrate: { parts: ['code'], entry: 'dist/src/server/db/migrate-cli.js' },
  'audit:verify': { parts: ['code'], entry: 'dist/src/server/audit-verify-cli.js' },
};

const [command, ...args] = process.argv.slice(2);

try {
  if (command === 'build') {
    // `npm run build`: always, whatever the stamps say (a deploy builds once, then starts).
    await withBuildLock(async () => {
      await build('code');
      await build('client');
    });
  } else if (command !== undefined && Object.hasOwn(COMMANDS, command)) {
    const { parts, entry } = COMMANDS[command];
    await buildIfStale(parts);
    const file = path.join(ROOT, entry);
    // The entry reads its flags (--with-workers) from process.argv as if node had started it; the
    // exit code is the one it sets (audit:verify: 1 for a broken chain, 2 when it cannot read it).
    process.argv = [process.argv[0], file, ...args];
    await import(pathToFileURL(file).href);
  } else {
    console.error('usage: node scripts/launch.mjs build | server [--with-workers] | worker | migrate | audit:verify');
    process.exitCode = 2;
  }
} catch (error) {
  console.error(`tabsync: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
