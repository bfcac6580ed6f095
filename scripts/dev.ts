import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

/**
 * `npm run dev`: Vite's dev server in front (hot reload of the client), proxying /api, HTTP and
 * WebSocket alike, to the all-in-one server it runs beside, which `tsx watch` restarts whenever
 * a file the server imports changes.
 */
const apiPort = process.env.PORT ?? '3000';

const api = spawn(
  process.execPath,
  [fileURLToPath(import.meta.resolve('tsx/cli')), 'watch', '--clear-screen=false', 'src/server/main.ts', '--with-workers', '--no-client-build'],
  { stdio: 'inherit', env: { ...process.env, PORT: apiPort, HOST: '127.0.0.1' } },
);

const vite = await createServer({ configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)) });
await vite.listen();
vite.printUrls();

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  api.kill('SIGTERM');
  await vite.close();
  process.exit(code);
}
api.once('exit', (code) => {
  if (!stopping) console.error(`tabsync dev: the API server stopped (exit code ${String(code)}).`);
  void stop(code ?? 1);
});
process.once('SIGINT', () => { void stop(0); });
process.once('SIGTERM', () => { void stop(0); });
