import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Sequelize, Transaction } from 'sequelize';
import { defineAuditLog } from './models/audit-log.js';
import { defineChatMessage } from './models/chat-message.js';
import { defineSessionFile } from './models/session-file.js';
import { defineUserSession } from './models/user-session.js';
import { migrationLockFor } from './migration-lock-for.js';
import { createMigrator } from './migrator.js';
import { postgresSelectOne } from './postgres-select-one.js';
import type { SelectOne } from './select-one.js';
import { useLongLivedSqliteConnections } from './sqlite-connections.js';

export type Models = ReturnType<typeof defineModels>;

export interface Database {
  sequelize: Sequelize;
  models: Models;
  dialect: 'sqlite' | 'postgres';
  /**
   * Runs `work` in one transaction. On SQLite, transactions of this process take turns: they share one
   * connection (sqlite-connections.ts), and SQLite has one writer at a time anyway.
   */
  transaction<T>(work: (transaction: Transaction) => Promise<T>): Promise<T>;
  /** One row (or undefined) of a plain SQL query with `$1`, `$2`… parameters, outside any transaction, as the driver returns it. */
  selectOne: SelectOne;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

function defineModels(sequelize: Sequelize) {
  const UserSession = defineUserSession(sequelize);
  const AuditLog = defineAuditLog(sequelize);
  const SessionFile = defineSessionFile(sequelize);
  const ChatMessage = defineChatMessage(sequelize);
  UserSession.hasMany(SessionFile, { foreignKey: 'sessionId', as: 'files' });
  SessionFile.belongsTo(UserSession, { foreignKey: 'sessionId', as: 'session' });
  UserSession.hasMany(ChatMessage, { foreignKey: 'sessionId', as: 'messages' });
  ChatMessage.belongsTo(UserSession, { foreignKey: 'sessionId', as: 'session' });
  UserSession.hasMany(AuditLog, { foreignKey: 'sessionId', as: 'auditLogs', constraints: false });
  AuditLog.belongsTo(UserSession, { foreignKey: 'sessionId', as: 'session', constraints: false });
  return { UserSession, AuditLog, SessionFile, ChatMessage };
}

/** Where the database reports migrations (`info`) and a wait for another process's migrations (`warn`, else `info`). */
export interface DatabaseLogger {
  info: (msg: string) => void;
  warn?: (msg: string) => void;
}

export interface DatabaseOptions {
  /** PostgreSQL connections at most (SQLite uses one writer and one reader). Default 20. */
  poolMax?: number;
}

/** Opens SQLite (`sqlite:<file>`) or PostgreSQL (`postgres://…`) and defines the models on it. */
export function createDatabase(url: string, logger?: DatabaseLogger, options: DatabaseOptions = {}): Database {
  const dialect = url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
  let sequelize: Sequelize;
  let selectOne: SelectOne;
  let closeReads = (): Promise<void> => Promise.resolve();
  if (dialect === 'sqlite') {
    const storage = url.slice('sqlite:'.length);
    if (storage !== ':memory:') mkdirSync(path.dirname(storage), { recursive: true });
    sequelize = new Sequelize({
      dialect: 'sqlite',
      storage,
      logging: false,
      // IMMEDIATE takes the write lock at BEGIN, so two processes never deadlock upgrading a read lock.
      transactionType: Transaction.TYPES.IMMEDIATE,
      retry: { max: 10, match: [/SQLITE_BUSY/] },
    });
    ({ selectOne, close: closeReads } = useLongLivedSqliteConnections(sequelize));
  } else {
    // Each request holds a connection for one statement; the pool bounds how many run at once (PostgreSQL's default max_connections is 100 for all instances and workers).
    sequelize = new Sequelize(url, { dialect: 'postgres', logging: false, pool: { max: options.poolMax ?? 20, min: 0, idle: 10_000 } });
    selectOne = postgresSelectOne(sequelize);
  }
  const models = defineModels(sequelize);
  let writeQueue: Promise<unknown> = Promise.resolve();
  return {
    transaction(work) {
      if (dialect !== 'sqlite') return sequelize.transaction(work);
      const run = writeQueue.then(() => sequelize.transaction(work));
      writeQueue = run.catch(() => undefined);
      return run;
    },
    selectOne,
    sequelize,
    models,
    dialect,
    async migrate() {
      // Servers and workers starting together take turns; whoever comes after finds nothing pending.
      const onWait = logger ? (msg: string) => { (logger.warn ?? logger.info)(msg); } : undefined;
      await migrationLockFor(url, sequelize, { onWait }).run(async () => {
        if (dialect === 'sqlite') {
          // WAL lets readers proceed beside the writer, and it stays set in the file.
          await sequelize.query('PRAGMA journal_mode = WAL');
        }
        await createMigrator(sequelize, logger).up();
      });
    },
    async ping() {
      await sequelize.query('SELECT 1');
    },
    async close() {
      await closeReads();
      await sequelize.close();
    },
  };
}
