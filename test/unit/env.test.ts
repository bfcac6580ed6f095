import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/server/config/env.js';
import { parseDuration } from '../../src/server/config/duration.js';

const errorFor = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('the configuration was accepted');
};

describe('configuration', () => {
  it('runs on its embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', rateLimitPerMinute: 10, maxUploadBytes: 25 * 1024 * 1024, s3: undefined });
    expect(config.databaseUrl).toMatch(/^sqlite:.*data[/\\]tabsync\.sqlite$/);
    expect(config.sessionIdleTtlMs).toBe(7 * 86_400_000);
    expect(config.sessionMaxAgeMs).toBe(30 * 86_400_000);
    expect(config.orphanGraceMs).toBe(86_400_000);
  });

  it('reads every duration form', () => {
    expect(['500ms', '30s', '15m', '24h', '7d', '1500'].map(parseDuration)).toEqual([500, 30_000, 900_000, 86_400_000, 604_800_000, 1500]);
    expect(['', '7 days', '-5s', '1.5h', 'h'].map(parseDuration)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it.each([
    [{ PORT: 'abc' }, /^Invalid environment variable PORT \(got "abc"\): must be a whole number from 0 to 65535, e\.g\. 3000$/],
    [{ PORT: '70000' }, /PORT .*must be at most 65535/],
    [{ SESSION_IDLE_TTL: 'soon' }, /SESSION_IDLE_TTL \(got "soon"\): must be a duration such as 7d/],
    [{ CORS_ORIGINS: 'example.com' }, /CORS_ORIGINS .*is not an origin.*https:\/\/app\.example\.com/],
    [{ TRUST_PROXY: 'everyone' }, /TRUST_PROXY .*proxy hops/],
    [{ REDIS_URL: 'localhost:6379' }, /^Invalid environment variable REDIS_URL: must be a URL such as redis:\/\/127\.0\.0\.1:6379$/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL .*must be one of/],
    [{ SESSION_IDLE_TTL: '40d' }, /SESSION_IDLE_TTL: must not be longer than SESSION_MAX_AGE/],
    [{ CLEANUP_EVERY: '0s' }, /CLEANUP_EVERY \(got "0s"\): must be longer than zero, e\.g\. 15m/],
    [{ UPLOAD_IDLE_TIMEOUT: '0' }, /UPLOAD_IDLE_TIMEOUT .*must be longer than zero/],
  ])('refuses %o with one line naming the variable and a good example', (env, message) => {
    expect(errorFor(env)).toMatch(message);
  });

  it('reads REDIS_CLUSTER_NODES as host:port seeds, or URLs that carry the password and TLS', () => {
    expect(loadConfig({}).redisCluster).toBeUndefined();
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:6379, 10.0.0.2:6380' }).redisCluster).toEqual({
      nodes: [{ host: '10.0.0.1', port: 6379 }, { host: '10.0.0.2', port: 6380 }],
      tls: false,
    });
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'rediss://app:s%40cret@node-1.example:6380,node-2.example:6379' }).redisCluster).toEqual({
      nodes: [{ host: 'node-1.example', port: 6380 }, { host: 'node-2.example', port: 6379 }],
      tls: true,
      username: 'app',
      password: 's@cret',
    });
  });

  it.each([
    [{ REDIS_CLUSTER_NODES: 'node-1.example' }, /^Invalid environment variable REDIS_CLUSTER_NODES: "node-1\.example" is not host:port or a redis:\/\/ URL; .*e\.g\. 10\.0\.0\.1:6379,10\.0\.0\.2:6379/],
    [{ REDIS_CLUSTER_NODES: 'a:99999' }, /^Invalid environment variable REDIS_CLUSTER_NODES: "a:99999" is not host:port/],
    [{ REDIS_CLUSTER_NODES: ',' }, /^Invalid environment variable REDIS_CLUSTER_NODES: must name at least one node/],
    [{ REDIS_CLUSTER_NODES: 'a:1', REDIS_URL: 'redis://b:2' }, /^Invalid environment variable REDIS_CLUSTER_NODES: set it or REDIS_URL, not both/],
  ])('refuses REDIS_CLUSTER_NODES in %o with one line, never echoing a password', (env, message) => {
    const error = errorFor(env);
    expect(error).toMatch(message);
    expect(error.split('\n')).toHaveLength(1);
  });

  it('never shows the password of a bad REDIS_CLUSTER_NODES entry', () => {
    expect(errorFor({ REDIS_CLUSTER_NODES: 'redis://:hunter2@node-1:6379,bad' })).not.toContain('hunter2');
    expect(errorFor({ REDIS_CLUSTER_NODES: 'rediss://:hunter2@:6379' })).not.toContain('hunter2');
  });

  it('takes ORPHAN_GRACE=0s: files of an ended session may go at the next cleanup', () => {
    expect(loadConfig({ ORPHAN_GRACE: '0s' }).orphanGraceMs).toBe(0);
  });

  it('reads the chat and upload budgets and the per-session quotas', () => {
    const config = loadConfig({ CHAT_RATE_LIMIT_PER_MINUTE: '5', UPLOAD_RATE_LIMIT_PER_MINUTE: '3', SESSION_MESSAGES_PER_MINUTE: '7', SESSION_MAX_STORED_BYTES: '1048576', UPLOAD_IDLE_TIMEOUT: '10s' });
    expect(config).toMatchObject({ chatRateLimitPerMinute: 5, uploadRateLimitPerMinute: 3, sessionMessagesPerMinute: 7, sessionMaxStoredBytes: 1_048_576, uploadIdleTimeoutMs: 10_000 });
  });

  it('bounds uploads per client per day and keeps a free-space floor, 1 GiB each by default; 0 turns the floor off', () => {
    expect(loadConfig({})).toMatchObject({ uploadBytesPerClientPerDay: 1024 ** 3, storageMinFreeBytes: 1024 ** 3 });
    expect(loadConfig({ UPLOAD_BYTES_PER_CLIENT_PER_DAY: '3145728', STORAGE_MIN_FREE_BYTES: '0' })).toMatchObject({ uploadBytesPerClientPerDay: 3_145_728, storageMinFreeBytes: 0 });
    expect(errorFor({ UPLOAD_BYTES_PER_CLIENT_PER_DAY: '0' })).toMatch(/UPLOAD_BYTES_PER_CLIENT_PER_DAY \(got "0"\): must be at least 1, e\.g\. 1073741824/);
    expect(errorFor({ STORAGE_MIN_FREE_BYTES: '1GB' })).toMatch(/STORAGE_MIN_FREE_BYTES \(got "1GB"\): must be a whole number/);
  });

  it('never echoes a secret it refuses', () => {
    expect(errorFor({ ADMIN_TOKEN: 'short-secret' })).not.toContain('short-secret');
    expect(errorFor({ AUDIT_CHECKPOINT_KEY: 'short-checkpoint-key' })).toBe(
      'Invalid environment variable AUDIT_CHECKPOINT_KEY: must be at least 32 characters, e.g. the output of `openssl rand -hex 32`',
    );
    expect(errorFor({ DATABASE_URL: 'mysql://user:hunter2@db/x' })).not.toContain('hunter2');
  });

  it('stops `npm run server` with that one line and exit code 1', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], { env: { ...process.env, PORT: 'abc' }, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('tabsync: Invalid environment variable PORT (got "abc"): must be a whole number from 0 to 65535, e.g. 3000');
  });
});
