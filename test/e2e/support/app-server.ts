import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { withBuildLock } from '../../../scripts/dist-build.mjs';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

/**
 * The app as `npm start` runs it — web server and workers in one process — which a test can stop
 * and start again on the same port and data, the way an operator restarts it.
 */
export class AppServer {
  private child: ChildProcess | undefined;
  private port = 0;
  private readonly output: string[] = [];

  /**
   * `prepare` runs before every start, under dist/'s build lock, which is held until the server
   * has read its page: the browser tests of other files build their own web app into the same
   * directory, and a server must start with the one its file built (`prepare` builds it).
   */
  constructor(
    private readonly env: Record<string, string>,
    private readonly prepare: () => Promise<void> = () => Promise.resolve(),
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the process and waits for its "listening" line; the first start picks a free port, later ones reuse it. */
  start(): Promise<void> {
    return withBuildLock(async () => {
      await this.prepare();
      await this.spawn();
    }, { say: () => undefined });
  }

  private spawn(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts', '--with-workers'], {
      env: { ...process.env, ...this.env, HOST: '127.0.0.1', PORT: String(this.port), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stderr.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the server did not start:\n${this.log()}`)); }, START_TIMEOUT_MS);
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the server exited with ${code}:\n${this.log()}`)); });
      // Every line is read, also after start-up: a pipe nobody empties would stall the server.
      createInterface({ input: child.stdout }).on('line', (line) => {
        this.output.push(line);
        const listening = /"url":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(line);
        if (!listening?.[1]) return;
        clearTimeout(timer);
        this.port = Number(listening[1]);
        resolve();
      });
    });
  }

  /** Stops it as an operator would (SIGTERM: graceful), and as a crash would if it hangs. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child?.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  /** The last lines the server wrote, to explain a failure. */
  log(): string {
    return this.output.slice(-40).join('\n');
  }
}
