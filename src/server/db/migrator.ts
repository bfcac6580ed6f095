import type { QueryInterface, Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug, type MigrationFn } from 'umzug';
import { initialSchema } from './migrations/0001-initial-schema.js';

export interface Migration {
  name: string;
  up: MigrationFn<QueryInterface>;
  down: MigrationFn<QueryInterface>;
}

/** In order; a new migration is a new file added to the end of this list. */
const MIGRATIONS: Migration[] = [initialSchema];

export function createMigrator(sequelize: Sequelize, logger?: { info: (msg: string) => void }): Umzug<QueryInterface> {
  return new Umzug({
    migrations: MIGRATIONS,
    context: sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: logger ? { info: (event) => { logger.info(`migration ${JSON.stringify(event)}`); }, warn: () => undefined, error: () => undefined, debug: () => undefined } : undefined,
  });
}
