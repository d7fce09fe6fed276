/**
 * A Kysely dialect that compiles queries as SQLite or PostgreSQL would and records their SQL
 * text instead of running them: every query answers no rows. The SQL snapshots are thus made
 * for both dialects in every run, with no server, and without the data a real run would
 * need (the price: a method whose later queries depend on what an earlier one found records
 * its "nothing found" path).
 */
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { Dialect as DialectName } from '../../src/db/database.ts';
import type { Database } from '../../src/db/schema.ts';

class RecordingConnection implements DatabaseConnection {
  constructor(private readonly record: (sql: string) => void) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    this.record(compiled.sql);
    return { rows: [], numAffectedRows: 0n };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('the SQL recorder does not stream');
  }
}

class RecordingDriver implements Driver {
  private readonly connection: RecordingConnection;

  constructor(record: (sql: string) => void) {
    this.connection = new RecordingConnection(record);
  }

  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.connection;
  }
  // Transactions are the bundle's, not a repository query: not recorded.
  async beginTransaction(): Promise<void> {}
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

/** A Kysely that records the SQL of every query it is asked, compiled for `dialect`. */
export function recordingKysely(dialect: DialectName, record: (sql: string) => void): Kysely<Database> {
  const postgres = dialect === 'postgres';
  const recording: Dialect = {
    createAdapter: () => (postgres ? new PostgresAdapter() : new SqliteAdapter()),
    createDriver: () => new RecordingDriver(record),
    createQueryCompiler: () => (postgres ? new PostgresQueryCompiler() : new SqliteQueryCompiler()),
    createIntrospector: (db) => (postgres ? new PostgresIntrospector(db) : new SqliteIntrospector(db)),
  };
  return new Kysely<Database>({ dialect: recording });
}
