// Plain JavaScript on purpose: `npm start`, `npm run server` and `npm run worker` run the compiled
// dist/ with plain node, so what builds dist/ cannot itself need compiling.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildIfStale, build, ROOT } from './dist-build.mjs';

/** What each command needs built, and the compiled entry point it then runs in this process. */
const COMMANDS = {
  server: { parts: ['code', 'client'], entry: 'dist/src/server/main.js' },
  worker: { parts: ['code'], entry: 'dist/jobs/main.js' },
};

const [command, ...args] = process.argv.slice(2);

try {
  if (command === 'build') {
    // `npm run build`: always, whatever the stamps say (a deploy builds once, then starts).
    await build('code');
    await build('client');
  } else if (command === 'server' || command === 'worker') {
    const { parts, entry } = COMMANDS[command];
    await buildIfStale(parts);
    const file = path.join(ROOT, entry);
    // The entry reads its flags (--with-workers) from process.argv as if node had started it.
    process.argv = [process.argv[0], file, ...args];
    await import(pathToFileURL(file).href);
  } else {
    console.error('usage: node src/server/launch.mjs build | server [--with-workers] | worker');
    process.exitCode = 2;
  }
} catch (error) {
  console.error(`tabsync: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
