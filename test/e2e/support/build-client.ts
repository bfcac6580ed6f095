import { spawn } from 'node:child_process';

/**
 * Builds the client into dist/client exactly as `npm run build` does, with the developer controls
 * compiled in so that the tests can read the connection's inner state.
 */
export function buildClient(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('node_modules/.bin/vite', ['build', '--logLevel', 'warn'], {
      env: { ...process.env, NODE_ENV: 'production', VITE_DEV_CONTROLS: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const errors: string[] = [];
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`vite build failed (exit ${code}): ${errors.join('')}`));
    });
  });
}
