/** The parts of a `sqlite3` Statement used here. */
interface SqliteStatement {
  all(params: readonly unknown[], callback: (error: Error | null, rows: unknown[]) => void): void;
  finalize(callback?: (error: Error | null) => void): void;
}

/** The parts of a `sqlite3` Database handle used here. */
export interface PreparingHandle {
  prepare(sql: string, callback: (error: Error | null) => void): SqliteStatement;
}

/** Statements kept for one query: sqlite3 runs one call of a statement at a time, so a few are taken in turn. */
const STATEMENTS_PER_QUERY = 8;

interface Kept {
  statements: Promise<SqliteStatement>[];
  next: number;
}

/**
 * Hot reads as statements prepared once and kept. `Database#get` prepares, runs and finalizes a
 * new statement on every call: measured here, ~50 µs of CPU per primary-key lookup and at most
 * ~24,000 a second, against ~13 µs and ~110,000 with eight kept statements. Each call runs with
 * `all`, which steps the statement to its end: one left on its row would hold its read snapshot
 * while it idles, and keep the WAL from being checkpointed past it.
 */
export class PreparedReads {
  private readonly kept = new Map<string, Kept>();
  private closed = false;

  constructor(private readonly connection: () => Promise<PreparingHandle>) {}

  async selectOne<T extends object>(sql: string, params: readonly unknown[]): Promise<T | undefined> {
    // A statement prepared after close() would keep the connection from closing.
    if (this.closed) throw new Error('The database is closed.');
    const statement = await this.statementFor(sql);
    return new Promise<T | undefined>((resolve, reject) => {
      statement.all(params, (error, rows) => { if (error) reject(error); else resolve(rows[0] as T | undefined); });
    });
  }

  /** Finalizes every kept statement: SQLite will not close a connection that still has one. */
  async close(): Promise<void> {
    this.closed = true;
    const statements = [...this.kept.values()].flatMap((kept) => kept.statements);
    this.kept.clear();
    await Promise.all(
      statements.map(async (prepared) => {
        const statement = await prepared.catch(() => undefined);
        if (statement) await new Promise<void>((resolve) => { statement.finalize(() => { resolve(); }); });
      }),
    );
  }

  /** The next kept statement for `sql` in turn, once all are prepared; until then, one more. */
  private statementFor(sql: string): Promise<SqliteStatement> {
    const kept = this.kept.get(sql) ?? this.keep(sql);
    const inTurn = kept.statements[kept.next % STATEMENTS_PER_QUERY];
    if (kept.statements.length >= STATEMENTS_PER_QUERY && inTurn) {
      kept.next += 1;
      return inTurn;
    }
    const prepared = this.prepare(sql);
    kept.statements.push(prepared);
    // A statement that failed to prepare (bad SQL, a closed connection) is not kept.
    prepared.catch(() => { kept.statements = kept.statements.filter((other) => other !== prepared); });
    return prepared;
  }

  private keep(sql: string): Kept {
    const kept: Kept = { statements: [], next: 0 };
    this.kept.set(sql, kept);
    return kept;
  }

  private async prepare(sql: string): Promise<SqliteStatement> {
    const connection = await this.connection();
    return new Promise<SqliteStatement>((resolve, reject) => {
      const statement = connection.prepare(sql, (error) => { if (error) reject(error); else resolve(statement); });
    });
  }
}
