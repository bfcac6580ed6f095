import path from 'node:path';
import { z } from 'zod';
import { parseDuration } from './duration.js';

/**
 * Every setting the app reads from its environment, parsed once. Each field names the variable it
 * comes from, so that a bad value can be reported by the name the operator typed.
 */
const duration = (example: string, { allowZero = false } = {}) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms < 0 || (ms === 0 && !allowZero)) {
      const message = ms === 0 ? `must be longer than zero, e.g. ${example}` : `must be a duration such as ${example} (units ms, s, m, h, d)`;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return ms;
  });

const whole = (min: number, max: number, example: number) =>
  z
    .string()
    .regex(/^\d+$/, { error: `must be a whole number from ${min} to ${max}, e.g. ${example}` })
    .transform(Number)
    .pipe(z.number().min(min, { error: `must be at least ${min}, e.g. ${example}` }).max(max, { error: `must be at most ${max}, e.g. ${example}` }));

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''], { error: 'must be true or false' })
  .transform((value) => ['true', '1', 'yes'].includes(value));

const url = (protocols: string[], example: string) =>
  z.string().refine(
    (text) => {
      try {
        return protocols.includes(new URL(text).protocol);
      } catch {
        return false;
      }
    },
    { error: `must be a URL such as ${example}` },
  );

const originList = z.string().transform((text, ctx) => {
  const origins: string[] = [];
  for (const item of text.split(',').map((part) => part.trim()).filter(Boolean)) {
    try {
      const parsed = new URL(item);
      if (parsed.origin === 'null' || parsed.pathname !== '/' || parsed.search) throw new Error('not an origin');
      origins.push(parsed.origin);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${item}" is not an origin; use a comma-separated list such as https://app.example.com,http://localhost:5173` });
      return z.NEVER;
    }
  }
  return origins;
});

/** `TRUST_PROXY`: unset/false (the socket's address is the client), a hop count, or addresses/CIDRs that are proxies. */
const trustProxy = z.string().transform((text, ctx): TrustProxy => {
  const value = text.trim();
  if (value === '' || value === 'false' || value === '0') return { kind: 'none' };
  if (/^\d+$/.test(value)) return { kind: 'hops', hops: Number(value) };
  const list = value.split(',').map((part) => part.trim()).filter(Boolean);
  if (list.every((item) => /^[\da-f.:/]+$/i.test(item) || ['loopback', 'linklocal', 'uniquelocal'].includes(item))) {
    return { kind: 'addresses', addresses: list };
  }
  ctx.addIssue({ code: 'custom', message: 'must be false, a number of proxy hops (e.g. 1) or proxy addresses (e.g. loopback,10.0.0.0/8)' });
  return z.NEVER;
});

/**
 * `REDIS_CLUSTER_NODES`: seed nodes of a Redis Cluster, `host:port` each, or `redis://` / `rediss://`
 * URLs where the cluster wants a user, a password or TLS (taken from the first URL; every node shares them).
 */
const CLUSTER_EXAMPLE = 'e.g. 10.0.0.1:6379,10.0.0.2:6379 or rediss://:password@node-1.example:6379,node-2.example:6379';
const clusterNodes = z.string().transform((text, ctx): RedisClusterSetting | typeof z.NEVER => {
  const nodes: RedisClusterSetting['nodes'] = [];
  let auth: Omit<RedisClusterSetting, 'nodes'> = { tls: false };
  let urlSeen = false;
  for (const item of text.split(',').map((part) => part.trim()).filter(Boolean)) {
    const parsed = parseNode(item);
    if (!parsed) {
      ctx.addIssue({ code: 'custom', message: `"${item.replace(/\/\/[^@]*@/, '//…@')}" is not host:port or a redis:// URL; use a comma-separated list, ${CLUSTER_EXAMPLE}` });
      return z.NEVER;
    }
    nodes.push({ host: parsed.host, port: parsed.port });
    if (parsed.auth && !urlSeen) {
      urlSeen = true;
      auth = parsed.auth;
    }
  }
  if (nodes.length === 0) {
    ctx.addIssue({ code: 'custom', message: `must name at least one node, ${CLUSTER_EXAMPLE}` });
    return z.NEVER;
  }
  return { nodes, ...auth };
});

function parseNode(item: string): { host: string; port: number; auth?: Omit<RedisClusterSetting, 'nodes'> } | undefined {
  if (/^rediss?:\/\//.test(item)) {
    try {
      const url = new URL(item);
      const port = Number(url.port || 6379);
      if (!url.hostname) return undefined;
      return {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port,
        auth: {
          tls: url.protocol === 'rediss:',
          username: url.username ? decodeURIComponent(url.username) : undefined,
          password: url.password ? decodeURIComponent(url.password) : undefined,
        },
      };
    } catch {
      return undefined;
    }
  }
  const match = /^(.+):(\d{1,5})$/.exec(item);
  if (!match?.[1] || !match[2]) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

export interface RedisClusterSetting {
  nodes: { host: string; port: number }[];
  tls: boolean;
  username?: string;
  password?: string;
}

export type TrustProxy = { kind: 'none' } | { kind: 'hops'; hops: number } | { kind: 'addresses'; addresses: string[] };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], { error: 'must be development, production or test' }).default('development'),
  PORT: whole(0, 65535, 3000).default(3000),
  HOST: z.string().min(1, { error: 'must be a host name or address, e.g. 127.0.0.1' }).default('127.0.0.1'),
  DATA_DIR: z.string().min(1, { error: 'must be a directory path, e.g. ./data' }).default('./data'),
  DATABASE_URL: url(['postgres:', 'postgresql:', 'sqlite:'], 'postgres://user@127.0.0.1:5432/tabsync').optional(),
  DATABASE_POOL_MAX: whole(1, 1000, 20).default(20),
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379').optional(),
  REDIS_CLUSTER_NODES: clusterNodes.optional(),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be an S3 bucket name, e.g. tabsync-files' }).optional(),
  S3_ENDPOINT: url(['http:', 'https:'], 'http://127.0.0.1:9000').optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_FORCE_PATH_STYLE: flag.default(false),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  // The AWS SDK's own names: S3-compatible servers that mishandle the SDK's default checksums need WHEN_REQUIRED.
  AWS_REQUEST_CHECKSUM_CALCULATION: z.enum(['WHEN_SUPPORTED', 'WHEN_REQUIRED'], { error: 'must be WHEN_SUPPORTED or WHEN_REQUIRED' }).optional(),
  AWS_RESPONSE_CHECKSUM_VALIDATION: z.enum(['WHEN_SUPPORTED', 'WHEN_REQUIRED'], { error: 'must be WHEN_SUPPORTED or WHEN_REQUIRED' }).optional(),
  CORS_ORIGINS: originList.default([]),
  TRUST_PROXY: trustProxy.default({ kind: 'none' }),
  RATE_LIMIT_PER_MINUTE: whole(1, 1_000_000, 10).default(10),
  SESSION_VALIDATIONS_PER_MINUTE: whole(1, 1_000_000, 120).default(120),
  CHAT_RATE_LIMIT_PER_MINUTE: whole(1, 1_000_000, 60).default(60),
  UPLOAD_RATE_LIMIT_PER_MINUTE: whole(1, 1_000_000, 20).default(20),
  SESSION_MESSAGES_PER_MINUTE: whole(1, 1_000_000, 30).default(30),
  SESSION_MAX_STORED_BYTES: whole(1, 5 * 1024 ** 5, 262144000).default(250 * 1024 * 1024),
  UPLOAD_BYTES_PER_CLIENT_PER_DAY: whole(1, 5 * 1024 ** 5, 1073741824).default(1024 ** 3),
  // Zero turns the floor off (a disk whose free space is watched elsewhere).
  STORAGE_MIN_FREE_BYTES: whole(0, 5 * 1024 ** 5, 1073741824).default(1024 ** 3),
  UPLOAD_IDLE_TIMEOUT: duration('30s').default(30_000),
  WS_MAX_PER_IP: whole(1, 100_000, 50).default(50),
  WS_MAX_SUBSCRIPTIONS: whole(1, 10_000, 20).default(20),
  // At least one largest message (a procedure's answer or an event) with room to spare.
  WS_MAX_BUFFERED_BYTES: whole(256 * 1024, 1024 ** 3, 1048576).default(1024 * 1024),
  WS_MAX_UPGRADES_PER_SECOND: whole(1, 1_000_000, 500).default(500),
  MAX_UPLOAD_BYTES: whole(1, 5 * 1024 ** 4, 26214400).default(25 * 1024 * 1024),
  SESSION_IDLE_TTL: duration('7d').default(7 * 86_400_000),
  SESSION_MAX_AGE: duration('30d').default(30 * 86_400_000),
  // Zero is a real choice: files of an ended session go at the next cleanup.
  ORPHAN_GRACE: duration('24h', { allowZero: true }).default(86_400_000),
  CLEANUP_EVERY: duration('15m').default(15 * 60_000),
  WORKER_CONCURRENCY: whole(1, 1000, 4).default(4),
  // Unset: workers on their own serve nothing. Ignored where workers run in the server (`npm start`).
  WORKER_METRICS_PORT: whole(0, 65535, 9464).optional(),
  AUDIT_RETENTION: duration('90d').default(90 * 86_400_000),
  ADMIN_TOKEN: z.string().min(24, { error: 'must be at least 24 characters, e.g. the output of `openssl rand -hex 24`' }).optional(),
  // Unset: the audit checkpoint is signed with a key derived from ADMIN_TOKEN, or not at all.
  AUDIT_CHECKPOINT_KEY: z.string().min(32, { error: 'must be at least 32 characters, e.g. the output of `openssl rand -hex 32`' }).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
});

export type Config = ReturnType<typeof toConfig>;

function toConfig(env: z.infer<typeof envSchema>) {
  const dataDir = path.resolve(env.DATA_DIR);
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    dataDir,
    databaseUrl: env.DATABASE_URL ?? `sqlite:${path.join(dataDir, 'tabsync.sqlite')}`,
    databasePoolMax: env.DATABASE_POOL_MAX,
    redisUrl: env.REDIS_URL,
    /** Set: every Redis use goes to this cluster, and REDIS_URL is not read. */
    redisCluster: env.REDIS_CLUSTER_NODES,
    s3: env.S3_BUCKET
      ? {
          bucket: env.S3_BUCKET,
          endpoint: env.S3_ENDPOINT,
          region: env.S3_REGION,
          forcePathStyle: env.S3_FORCE_PATH_STYLE,
          credentials:
            env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
              ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }
              : undefined,
          requestChecksumCalculation: env.AWS_REQUEST_CHECKSUM_CALCULATION,
          responseChecksumValidation: env.AWS_RESPONSE_CHECKSUM_VALIDATION,
        }
      : undefined,
    corsOrigins: env.CORS_ORIGINS,
    trustProxy: env.TRUST_PROXY,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    sessionValidationsPerMinute: env.SESSION_VALIDATIONS_PER_MINUTE,
    chatRateLimitPerMinute: env.CHAT_RATE_LIMIT_PER_MINUTE,
    uploadRateLimitPerMinute: env.UPLOAD_RATE_LIMIT_PER_MINUTE,
    sessionMessagesPerMinute: env.SESSION_MESSAGES_PER_MINUTE,
    sessionMaxStoredBytes: env.SESSION_MAX_STORED_BYTES,
    uploadBytesPerClientPerDay: env.UPLOAD_BYTES_PER_CLIENT_PER_DAY,
    storageMinFreeBytes: env.STORAGE_MIN_FREE_BYTES,
    uploadIdleTimeoutMs: env.UPLOAD_IDLE_TIMEOUT,
    wsMaxPerIp: env.WS_MAX_PER_IP,
    wsMaxSubscriptions: env.WS_MAX_SUBSCRIPTIONS,
    wsMaxBufferedBytes: env.WS_MAX_BUFFERED_BYTES,
    wsMaxUpgradesPerSecond: env.WS_MAX_UPGRADES_PER_SECOND,
    maxUploadBytes: env.MAX_UPLOAD_BYTES,
    sessionIdleTtlMs: env.SESSION_IDLE_TTL,
    sessionMaxAgeMs: env.SESSION_MAX_AGE,
    orphanGraceMs: env.ORPHAN_GRACE,
    cleanupEveryMs: env.CLEANUP_EVERY,
    workerConcurrency: env.WORKER_CONCURRENCY,
    workerMetricsPort: env.WORKER_METRICS_PORT,
    auditRetentionMs: env.AUDIT_RETENTION,
    adminToken: env.ADMIN_TOKEN,
    auditCheckpointKey: env.AUDIT_CHECKPOINT_KEY,
    logLevel: env.LOG_LEVEL,
  };
}

/** Thrown for a bad environment: its message is one line, fit to print as the reason start-up stopped. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once. Empty strings count as unset, as shells and .env files produce them. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    const raw = present[name];
    const shown = raw === undefined || /SECRET|TOKEN|PASSWORD|KEY|DATABASE_URL|REDIS_URL|REDIS_CLUSTER_NODES/.test(name) ? '' : ` (got "${raw}")`;
    throw new ConfigError(`Invalid environment variable ${name}${shown}: ${issue?.message ?? 'invalid value'}`);
  }
  const config = toConfig(parsed.data);
  if (config.redisCluster && config.redisUrl) {
    throw new ConfigError('Invalid environment variable REDIS_CLUSTER_NODES: set it or REDIS_URL, not both (a cluster is named by its nodes, e.g. REDIS_CLUSTER_NODES=10.0.0.1:6379,10.0.0.2:6379)');
  }
  if (config.sessionIdleTtlMs > config.sessionMaxAgeMs) {
    throw new ConfigError('Invalid environment variable SESSION_IDLE_TTL: must not be longer than SESSION_MAX_AGE, e.g. SESSION_IDLE_TTL=7d with SESSION_MAX_AGE=30d');
  }
  return config;
}
