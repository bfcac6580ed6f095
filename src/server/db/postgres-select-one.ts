import type { Sequelize } from 'sequelize';
import type { SelectOne } from './sqlite-connections.js';

/** The parts of a `pg` Client used here. */
interface PgClient {
  query(sql: string, params: readonly unknown[]): Promise<{ rows: unknown[] }>;
}

/** The parts of Sequelize's connection manager (its pool of `pg` clients) used here. */
interface PgConnectionManager {
  getConnection(options?: { type?: 'read' | 'write' }): Promise<PgClient>;
  releaseConnection(connection: PgClient): void;
}

/**
 * `selectOne` on PostgreSQL: the query sent on a connection of Sequelize's own pool, straight
 * through the driver. Sequelize's `query` builds a Query object, runs hooks and formats its
 * parameters around the same driver call, which cost a sixth of a WebSocket validation here.
 * A connection that failed is marked by Sequelize's own listener and not handed out again.
 */
export function postgresSelectOne(sequelize: Sequelize): SelectOne {
  const manager = sequelize.connectionManager as unknown as PgConnectionManager;
  return async <T extends object>(sql: string, params: readonly unknown[]) => {
    const connection = await manager.getConnection({ type: 'read' });
    try {
      const { rows } = await connection.query(sql, params);
      return rows[0] as T | undefined;
    } finally {
      manager.releaseConnection(connection);
    }
  };
}
