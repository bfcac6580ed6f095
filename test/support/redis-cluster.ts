import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

export interface RedisClusterProcess {
  /** `127.0.0.1:P,…`: what REDIS_CLUSTER_NODES takes. */
  nodes: string;
  ports: number[];
  /** The port of the master that serves `key`'s slot now. */
  masterFor(key: string): Promise<number>;
  /** A command sent to one node (not redirected): what that node holds. */
  command(port: number, ...command: string[]): Promise<string>;
  /** Kills one node's redis-server with SIGKILL, as a crashed machine would go. */
  kill(port: number): void;
  /** Stops every node and removes their directories. */
  stop(): Promise<void>;
}

/** Whether nothing listens on the port (and on its cluster bus port, 10000 above). */
async function free(port: number): Promise<boolean> {
  const one = (p: number) => new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => { resolve(false); });
    server.listen(p, '127.0.0.1', () => { server.close(() => { resolve(true); }); });
  });
  return (await one(port)) && (await one(port + 10_000));
}

async function freeClusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  // Below 55536 so that the bus port (+10000) is a port at all; spread from a random start.
  let port = 20_000 + Math.floor(Math.random() * 30_000);
  while (ports.length < count) {
    if (await free(port)) ports.push(port);
    port += 1;
  }
  return ports;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Redis cluster: timed out waiting for ${what}`);
}

async function ask(port: number, ...command: string[]): Promise<string> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const [name, ...args] = command;
    return String(await client.call(name ?? 'PING', ...args));
  } finally {
    client.disconnect();
  }
}

/**
 * A real Redis Cluster of three masters and three replicas on free ports, each node a
 * `redis-server --cluster-enabled yes` of its own, joined by `redis-cli --cluster create`.
 * A short node timeout makes a replica take over within a few seconds of its master dying.
 */
export async function startRedisCluster(): Promise<RedisClusterProcess> {
  const ports = await freeClusterPorts(6);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tabsync-cluster-'));
  const children = new Map<number, ChildProcess>();
  const killed = new Set<number>();
  const stop = async () => {
    await Promise.all([...children.values()].map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
      child.once('exit', () => { resolve(); });
      child.kill('SIGKILL');
    })));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      // A directory per node: a replica's full sync writes an RDB file there, which nodes must not share.
      const nodeDir = path.join(dir, String(port));
      mkdirSync(nodeDir);
      const child = spawn('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
        '--cluster-node-timeout', '2000', '--repl-diskless-sync-delay', '0', '--save', '', '--appendonly', 'no', '--dir', nodeDir, '--daemonize', 'no',
      ], { stdio: 'ignore' });
      children.set(port, child);
    }
    await Promise.all(ports.map((port) => until(async () => (await ask(port, 'PING')) === 'PONG', `node ${port} answering`)));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes']);
    await Promise.all(ports.map((port) => until(async () => (await ask(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'), `node ${port} in cluster_state:ok`)));
    // A replica that has never finished its first sync cannot take over from its master.
    await Promise.all(ports.map((port) => until(async () => {
      const replication = await ask(port, 'INFO', 'replication');
      return replication.includes('role:master') || replication.includes('master_link_status:up');
    }, `node ${port} in sync with its master`)));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes: ports.map((port) => `127.0.0.1:${port}`).join(','),
    ports,
    async masterFor(key) {
      // Any node still running answers for the whole cluster.
      const asked = ports.find((port) => !killed.has(port)) ?? 0;
      const slot = Number(await ask(asked, 'CLUSTER', 'KEYSLOT', key));
      // CLUSTER NODES: id address flags master-id ping pong epoch state slot-ranges…
      for (const line of (await ask(asked, 'CLUSTER', 'NODES')).split('\n')) {
        const [, address, flags, , , , , , ...ranges] = line.split(' ');
        if (!flags?.includes('master') || flags.includes('fail')) continue;
        for (const range of ranges) {
          const [from, to = from] = range.split('-').map(Number);
          if (from !== undefined && to !== undefined && slot >= from && slot <= to) return Number(address?.split(':')[1]?.split('@')[0]);
        }
      }
      throw new Error(`no master serves slot ${slot}`);
    },
    command: ask,
    kill(port) {
      killed.add(port);
      children.get(port)?.kill('SIGKILL');
    },
    stop,
  };
}
