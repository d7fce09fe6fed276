/**
 * A job queue on a fresh database of either kind, as the platform opens it, with test jobs
 * that record what ran. Shared by the contract test and its killed child worker.
 */
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrations.ts';
import { Job, type JobPayload } from '../../src/jobs/job.ts';
import type { JobQueue } from '../../src/jobs/job-queue.ts';
import { JobRegistry, Worker } from '../../src/jobs/worker.ts';
import { createLogger } from '../../src/logging.ts';
import { openJobQueue } from '../../src/platform.ts';

export type StoreKind = 'sqlite' | 'postgres';

export interface NumberedPayload extends JobPayload {
  v: 1;
  n: number;
}

/** A job whose run is given by the test; its retries wait `backoffMs`. */
export class TestJob extends Job<NumberedPayload> {
  constructor(
    readonly name: string,
    private readonly work: (payload: NumberedPayload) => Promise<void>,
    private readonly backoffMs = 100,
    override readonly maxAttempts = 20,
  ) {
    super();
  }

  run(payload: NumberedPayload): Promise<void> {
    return this.work(payload);
  }

  override backoffSeconds(): number {
    return this.backoffMs / 1000;
  }
}

export const log = createLogger('silent');

/** The database URL of a store kind inside `dir` (SQLite) or the given PostgreSQL URL. */
export function sqliteUrl(dir: string): string {
  return `sqlite://${join(dir, 'jobs.sqlite')}`;
}

/** One process's view: its own connection(s) to the database and its own queue over them. */
export interface QueueProcess {
  db: Db;
  queue: JobQueue;
  close(): Promise<void>;
}

export async function openQueueProcess(url: string, lockSeconds: number): Promise<QueueProcess> {
  const db = openDatabase(url, { poolSize: 4 });
  await migrate(db.kysely);
  const queue = await openJobQueue(db, { databaseUrl: url, lockSeconds, runWorker: true, log });
  return {
    db,
    queue,
    async close() {
      await queue.close();
      await db.close();
    },
  };
}

/** Starts a worker for `jobs` on `process`; returns how to stop it. */
export async function runWorker(process: QueueProcess, jobs: Job<NumberedPayload>[], lockSeconds: number): Promise<() => Promise<void>> {
  const registry = new JobRegistry();
  for (const job of jobs) registry.register(job);
  await process.queue.prepare(registry.names());
  const worker = new Worker(process.queue, registry, log, { concurrency: 4, pollMs: process.queue.pushesWakeUps ? 10_000 : 50, lockSeconds });
  worker.start();
  const stopWatching = await process.queue.watch(() => worker.poke());
  return async () => {
    await stopWatching();
    await worker.stop();
  };
}
