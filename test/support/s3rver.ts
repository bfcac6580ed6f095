import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/server/redis/free-port.js';

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** The environment that points the app's S3 adapter at this server. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const S3RVER = path.resolve('node_modules/s3rver/bin/s3rver.js');
/** Makes the double answer a write once it is on disk (see the file). */
const DURABLE_WRITES = path.resolve('test/support/s3rver-durable-writes.mjs');

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`s3rver exited with code ${child.exitCode} before it listened`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.once('error', () => { resolve(false); });
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`s3rver did not listen on ${port} within ${timeoutMs} ms`);
}

/**
 * A real S3-protocol server (s3rver) as a child process: its own temp directory, a free port, one
 * bucket. It lists past 1000 keys with continuation tokens as S3 does, and reads its writes as S3
 * does once they are answered (s3rver-durable-writes.mjs).
 */
export async function startS3rver(bucket = 'tabsync-test'): Promise<S3Server> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'tabsync-s3rver-'));
  const port = await freePort();
  let stopping = false;
  const launch = async (): Promise<ChildProcess> => {
    const started = spawn(
      process.execPath,
      ['--openssl-legacy-provider', '--import', DURABLE_WRITES, S3RVER, '--directory', directory, '--address', '127.0.0.1', '--port', String(port), '--silent', '--configure-bucket', bucket],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    started.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    try {
      await waitForPort(port, started, 15_000);
    } catch (error) {
      started.kill('SIGKILL');
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${stderr}`, { cause: error });
    }
    // s3rver is a test double, and an old one: if it dies under a test, say why and bring it back on
    // the same port and directory, so that one crash of the double does not fail every later test.
    started.once('exit', (code, signal) => {
      if (stopping) return;
      console.error(`s3rver on port ${port} exited unexpectedly (${String(code ?? signal)}), restarting it:\n${stderr}`);
      launch().then((next) => { child = next; }, (error: unknown) => { console.error('s3rver could not be restarted', error); });
    });
    return started;
  };
  let child = await launch();
  // A request in flight while the double restarts meets a closed port: the SDK's default three quick
  // attempts (~40 ms) end before the new process listens (about a second). The SDK's own setting
  // gives this test process's clients enough attempts, with its exponential backoff, to reach it.
  process.env.AWS_MAX_ATTEMPTS ??= '8';
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: {
      S3_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    },
    async stop() {
      stopping = true;
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
