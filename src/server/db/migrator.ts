import type { QueryInterface, Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import { initialSchema } from './migrations/0001-initial-schema.js';
import { auditChain } from './migrations/0002-audit-chain.js';
import { fileOutcomes } from './migrations/0003-file-outcomes.js';
import { chatClientMessageId } from './migrations/0004-chat-client-message-id.js';
import type { Migration } from './migrations/migration.js';

/** In order; a new migration is a new file added to the end of this list. */
const MIGRATIONS: Migration[] = [initialSchema, auditChain, fileOutcomes, chatClientMessageId];

export function createMigrator(sequelize: Sequelize, logger?: { info: (msg: string) => void }): Umzug<QueryInterface> {
  return new Umzug({
    migrations: MIGRATIONS,
    context: sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: logger ? { info: (event) => { logger.info(`migration ${JSON.stringify(event)}`); }, warn: () => undefined, error: () => undefined, debug: () => undefined } : undefined,
  });
}
