/**
 * Opens the database named by DATABASE_URL: SQLite (WAL) by default, PostgreSQL for
 * `postgres://` URLs. Only this module knows which driver is in use.
 *
 * Several processes may share one database (API processes and workers): on PostgreSQL that is
 * what it is for; on SQLite it works for processes on one machine sharing the file, because
 * every transaction here starts with BEGIN IMMEDIATE (see ImmediateSqliteDriver).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDialect,
  SqliteDriver,
  type SqliteStatement,
  sql,
} from 'kysely';
import { createRequire } from 'node:module';
import type Pg from 'pg';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

/** An open database and what kind it is. */
export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** Resolves when the database answers a trivial query (the health check), rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** One round trip that reads nothing. */
async function ping(kysely: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(kysely);
}

/**
 * Kysely's SQLite driver starts transactions with a plain (deferred) BEGIN: the transaction
 * reads from a snapshot and asks for the write lock only at its first write. With a second
 * process writing in between, that upgrade fails at once with SQLITE_BUSY(_SNAPSHOT), which
 * busy_timeout does not retry. BEGIN IMMEDIATE takes the write lock first (waiting up to
 * busy_timeout for it), so a transaction never fails halfway for having been overtaken. In one
 * process it costs nothing: Kysely already runs one transaction at a time on the connection.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * SQLite does run DDL inside transactions; Kysely's adapter says it does not, so its Migrator
 * would apply migrations outside any transaction and with no lock (its SQLite lock is a no-op,
 * enough for one process only). Saying yes makes the Migrator wrap the pending migrations in
 * one transaction, which ImmediateSqliteDriver begins with BEGIN IMMEDIATE: processes starting
 * together on a fresh file apply each migration once (the others wait, then find nothing
 * pending), and a failed migration leaves nothing half-applied.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * Kysely prepares every query anew; preparing is a large share of a simple request's time
 * (measured: ~8 % of a cached image hit). Queries repeat verbatim, so their prepared
 * statements are kept, most recently used last, up to a bound (IN lists of varying length
 * make new SQL).
 */
class StatementCache implements SqliteDatabase {
  private readonly statements = new Map<string, SqliteStatement>();

  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly max = 500,
  ) {}

  prepare(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (statement) this.statements.delete(sql);
    else {
      // Kysely binds with one array argument (`all(parameters)`), which better-sqlite3 takes
      // as positional values: typed so, its statement is Kysely's SqliteStatement.
      statement = this.sqlite.prepare<[ReadonlyArray<unknown>]>(sql);
    }
    this.statements.set(sql, statement);
    if (this.statements.size > this.max) this.statements.delete(this.statements.keys().next().value!);
    return statement;
  }

  close(): void {
    this.statements.clear();
    this.sqlite.close();
  }
}

class MultiProcessSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SqliteDatabase) {
    super({ database });
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.database });
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

export interface OpenDatabaseOptions {
  /** Connections in the PostgreSQL pool (DATABASE_POOL_SIZE); SQLite has one connection. */
  poolSize?: number;
  /**
   * Told when an idle PostgreSQL connection fails (the server restarted, an administrator
   * ended the session): the pool drops it and opens another when needed. Default: a warning
   * on stderr.
   */
  onConnectionError?: (error: Error) => void;
}

export function openDatabase(url: string, options: OpenDatabaseOptions = {}): Db {
  if (url.startsWith('sqlite://')) {
    const file = url.slice('sqlite://'.length);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const sqlite = new SQLite(file);
    // A second process may be changing the file right now (WAL mode itself, a migration):
    // wait for its write lock rather than fail. Set first, so the pragmas below wait too.
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('journal_mode = WAL');
    // NORMAL keeps every committed transaction across a process kill (the WAL is in the OS's
    // page cache); only a power cut could lose the last ones.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    const kysely = new Kysely<Database>({ dialect: new MultiProcessSqliteDialect(new StatementCache(sqlite)) });
    return { kysely, dialect: 'sqlite', ping: () => ping(kysely), close: () => kysely.destroy() };
  }
  // Loaded here, not at import: SQLite deployments and the CLI on them never need it.
  const pg = createRequire(import.meta.url)('pg') as typeof Pg;
  // int8 (COUNT(*), SUM) comes back as a string by default; our counts fit in a JS number.
  pg.types.setTypeParser(20, (v) => Number(v));
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // Names our sessions in pg_stat_activity, so an operator can count them per process kind.
    application_name: 'album-api',
    // A request waiting this long for a free connection fails (500) instead of hanging: the
    // pool is too small for the load, and the log says so.
    connectionTimeoutMillis: 30_000,
  });
  // Without a listener, pg re-throws an idle connection's error and the process dies.
  pool.on('error', options.onConnectionError ?? ((error) => console.warn(`album-api: idle PostgreSQL connection failed: ${error.message}`)));
  // pool.end() resolves once every connection is asked to end, not once they have: wait for
  // their 'remove' too, so that closed means closed (a test dropping the database right after,
  // an orchestrator counting connections).
  const open = new Set<unknown>();
  pool.on('connect', (client) => open.add(client));
  pool.on('remove', (client) => open.delete(client));
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    kysely,
    dialect: 'postgres',
    ping: () => ping(kysely),
    async close() {
      await kysely.destroy();
      const deadline = Date.now() + 5000;
      while (open.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    },
  };
}
