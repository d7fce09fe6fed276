/**
 * Several processes of the service on one database and one object store, as deployed past
 * one machine: API processes (`serve`, WORKERS=0) behind a proxy, and `worker` processes.
 * The database is a fresh PostgreSQL database when TEST_DATABASE=postgres, else one SQLite
 * file shared by every process (the single-machine layout).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { openDatabase } from '../../src/db/database.ts';
import type { JobSummary } from '../../src/jobs/job-queue.ts';
import { createLogger } from '../../src/logging.ts';
import { openJobQueue } from '../../src/platform.ts';
import { type ChildService, startChild, waitForOutput } from '../helpers/child-server.ts';
import { createPostgresDatabase, usingPostgres } from '../helpers/database.ts';
import { tempDir } from '../helpers/server.ts';

// Tests that start their own children wait on their output the same way.
export { waitForOutput };

/** A database every process of a test shares, and a way for the test to look inside. */
export interface SharedDatabase {
  kind: 'postgres' | 'sqlite';
  url: string;
  /** Runs one read-only SQL query (no parameters) and returns its rows. */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** The jobs kept under `name`, read through the deployment's job queue (its tables differ per database). */
  jobs(name: string): Promise<JobSummary[]>;
  drop(): Promise<void>;
}

/** Reads jobs through a queue opened as the processes open theirs (running no worker). */
function jobReader(url: string): { jobs(name: string): Promise<JobSummary[]>; close(): Promise<void> } {
  let opened: Promise<{ list(name: string): Promise<JobSummary[]>; close(): Promise<void> }> | null = null;
  return {
    jobs(name) {
      // Opened on first use: the database is ready only once a process has migrated it.
      opened ??= (async () => {
        const db = openDatabase(url, { poolSize: 1 });
        const queue = await openJobQueue(db, { databaseUrl: url, lockSeconds: 60, runWorker: false, log: createLogger('silent') });
        return {
          list: (jobName: string) => queue.list(jobName),
          async close() {
            await queue.close();
            await db.close();
          },
        };
      })();
      return opened.then((reader) => reader.list(name));
    },
    async close() {
      await (await opened)?.close();
    },
  };
}

export async function sharedDatabase(): Promise<SharedDatabase> {
  if (usingPostgres()) {
    const database = await createPostgresDatabase();
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    const reader = jobReader(database.url);
    return {
      kind: 'postgres',
      url: database.url,
      query: async <T>(sql: string) => (await pool.query(sql)).rows as T[],
      jobs: reader.jobs,
      async drop() {
        await reader.close();
        await pool.end();
        await database.drop();
      },
    };
  }
  const dir = tempDir('shared-sqlite');
  const file = join(dir, 'album-api.sqlite');
  let reader: SQLite.Database | null = null;
  const jobs = jobReader(`sqlite://${file}`);
  return {
    kind: 'sqlite',
    url: `sqlite://${file}`,
    jobs: jobs.jobs,
    async query<T>(sql: string) {
      // Opened on first use: the file exists only once a process has migrated it.
      reader ??= new SQLite(file, { readonly: true, fileMustExist: true });
      return reader.prepare(sql).all() as T[];
    },
    async drop() {
      await jobs.close();
      reader?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Settings every process of one deployment must share (see docs/deploy.md). */
export function deploymentEnv(publicUrl: string, databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PUBLIC_URL: publicUrl,
    DATABASE_URL: databaseUrl,
    SECRET_KEY_BASE: randomBytes(32).toString('hex'),
    CLOUDINARY_URL: `cloudinary://${randomBytes(5).readUIntBE(0, 5)}:${randomBytes(18).toString('base64url')}@scale-test`,
    DATABASE_POOL_SIZE: '4',
    ...extra,
  };
}

/** Starts `album-api worker` and waits until it runs jobs. */
export async function startWorker(env: Record<string, string>): Promise<ChildService> {
  const worker = await startChild('worker', env);
  await waitForOutput(worker, /album-api worker \S+ running jobs/);
  return worker;
}

/** Polls `check` until it returns a value other than undefined. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
