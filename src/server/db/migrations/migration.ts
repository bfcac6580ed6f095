import type { QueryInterface } from 'sequelize';
import type { MigrationFn } from 'umzug';

/** One schema change: `up` applies it, `down` undoes it. */
export interface Migration {
  name: string;
  up: MigrationFn<QueryInterface>;
  down: MigrationFn<QueryInterface>;
}
