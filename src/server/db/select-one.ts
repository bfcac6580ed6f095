/**
 * One row of a plain SQL query (`$1`, `$2`… parameters), straight from the driver, as a prepared
 * statement: for the request path's primary-key reads, where Sequelize would build a query object,
 * capture a stack trace and (on SQLite) ask `PRAGMA table_info` of the table for every query.
 */
export type SelectOne = <T extends object>(sql: string, params: readonly unknown[]) => Promise<T | undefined>;
