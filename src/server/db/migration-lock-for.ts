import type { Sequelize } from 'sequelize';
import { NO_LOCK, type MigrationLock, type MigrationLockOptions } from './migration-lock.js';
import { createPostgresMigrationLock } from './postgres-migration-lock.js';
import { createSqliteMigrationLock } from './sqlite-migration-lock.js';

/** The migration lock that fits the database at `url` (as createDatabase takes it), which `sequelize` opens. */
export function migrationLockFor(url: string, sequelize: Sequelize, options: MigrationLockOptions = {}): MigrationLock {
  if (!url.startsWith('sqlite:')) return createPostgresMigrationLock(sequelize, options);
  const storage = url.slice('sqlite:'.length);
  // In memory (or '', a private temporary file): no other process can open the database.
  if (storage === ':memory:' || storage === '') return NO_LOCK;
  return createSqliteMigrationLock(storage, options);
}
