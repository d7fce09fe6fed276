/**
 * The queue on PostgreSQL: pg-boss 10, for any number of API and worker processes.
 *
 * - Enqueue runs pg-boss's insert on the caller's executor (its `db` option), so a job exists
 *   if and only if the causing transaction commits. A dedup key becomes the job's id (a hash
 *   of the key), so pg-boss's ON CONFLICT DO NOTHING ignores a repeat while the job is kept
 *   (its `singletonKey` names the key for operators).
 * - Wake-ups: the enqueueing transaction also sends NOTIFY (delivered on commit only), and
 *   every process running a worker LISTENs; a delayed job's or a retry's notification carries
 *   its delay. pg-boss's maintenance, which turns expired jobs into retries, notifies too.
 *   Polling remains only as a slow fallback.
 * - Running: the shared Worker loop (worker.ts) with pg-boss's fetch (SKIP LOCKED), complete
 *   and fail. pg-boss 10 has no heartbeat, and its expiry fails a job at a fixed time after its
 *   start: the lock is therefore the job's expiry, pushed forward while its worker lives
 *   (`extend`), so a long job keeps it and a killed worker's job expires and is retried.
 *   pg-boss's own retry pace is whole seconds, doubling without a cap: each retry is
 *   rescheduled to the pace its Job class says, in the transaction that records the failure.
 * - Kept: finished jobs move to pg-boss's archive a day after completion (a week after
 *   failing) and leave it after 30 days; a queued job is kept for 14 days.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { CompiledQuery, type Kysely, sql } from 'kysely';
import PgBoss from 'pg-boss';
import pg from 'pg';
import type { Database } from '../db/schema.ts';
import type { Job, JobPayload } from './job.ts';
import type { ClaimedJob, EnqueueOptions, JobExecutor, JobQueue, JobStatus, JobSummary } from './job-queue.ts';

const SCHEMA = 'pgboss';
/** The NOTIFY channel; the payload is how many milliseconds from now the job is due. */
const CHANNEL = 'album_jobs';
/** How long a LISTEN connection that failed waits before connecting again. */
const RELISTEN_MS = 1000;

export interface PgBossQueueOptions {
  /** DATABASE_URL: the LISTEN connection is a connection of its own. */
  url: string;
  /** A job's first lock (JOB_LOCK_SECONDS), until its worker's first heartbeat. */
  lockSeconds: number;
  /** Run pg-boss's maintenance (expiry, archiving) from this process: the processes that run workers do. */
  supervise: boolean;
  log: FastifyBaseLogger;
}

/** pg-boss's `db` option: its statements run on `executor` (the database, or a transaction). */
const bossDb = (executor: JobExecutor): PgBoss.Db => ({
  executeSql: (text: string, values: unknown[] | undefined) => executor.executeQuery(CompiledQuery.raw(text, values ?? [])),
});

/**
 * pg-boss's own statements, outside any caller's transaction. Its schema creation and
 * migrations are one text with their own BEGIN: one that fails (a process that lost the race to
 * create the schema, which pg-boss expects and ignores) leaves its connection inside an aborted
 * transaction. pg's pool would discard that connection; Kysely's returns it to the pool, where
 * the next query on it (another part's migration, say) fails. So each statement runs on a
 * connection of its own, rolled back after a failure.
 */
const rootBossDb = (db: Kysely<Database>): PgBoss.Db => ({
  executeSql: (text: string, values: unknown[] | undefined) =>
    db.connection().execute(async (connection) => {
      try {
        return await connection.executeQuery(CompiledQuery.raw(text, values ?? []));
      } catch (err) {
        await connection.executeQuery(CompiledQuery.raw('ROLLBACK')).catch(() => {});
        throw err;
      }
    }),
});

/** A stable UUID for a dedup key: the same key, the same job. */
function idOfKey(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const notify = (executor: JobExecutor, dueInMs: number) =>
  executor.executeQuery(CompiledQuery.raw('SELECT pg_notify($1, $2)', [CHANNEL, String(Math.max(0, Math.round(dueInMs)))]));

/**
 * Errors of processes starting at once on a fresh database, which another attempt gets past:
 * - a deadlock PostgreSQL broke (40P01): pg-boss's create_queue (a row, then a table with a
 *   foreign key to the queue table) can deadlock with itself;
 * - a unique violation in the catalog (23505): pg-boss creates its schema under an advisory
 *   lock, but a connection that looked for the schema before waiting on that lock keeps its
 *   cached "no such schema" until its next transaction, so its CREATE SCHEMA IF NOT EXISTS
 *   collides with the one that won.
 * The next attempt, in a new transaction, finds what the winner made.
 */
const STARTUP_RACES = new Set(['40P01', '23505']);

async function againAfterRace<T>(attemptOnce: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptOnce();
    } catch (err) {
      if (attempt === 5 || !STARTUP_RACES.has(String((err as { code?: unknown }).code))) throw err;
      await sleep(Math.random() * 50 * attempt);
    }
  }
}

const STATUS: Record<string, JobStatus> = { created: 'queued', retry: 'queued', active: 'queued', completed: 'done', failed: 'failed', cancelled: 'failed' };

export class PgBossQueue implements JobQueue {
  readonly pushesWakeUps = true;
  /** Where the next claim starts among the names, so that no queue waits behind a busy one. */
  private next = 0;

  private constructor(
    private readonly db: Kysely<Database>,
    private readonly boss: PgBoss,
    private readonly options: PgBossQueueOptions,
  ) {}

  /** Starts pg-boss on `db` (creating or migrating its schema) and, when supervising, its maintenance. */
  static async open(db: Kysely<Database>, options: PgBossQueueOptions): Promise<PgBossQueue> {
    // A PgBoss whose start failed stays "starting": each attempt is a new one.
    const boss = await againAfterRace(async () => {
      const attempt = new PgBoss({
        db: rootBossDb(db),
        schema: SCHEMA,
        schedule: false,
        supervise: options.supervise,
        // Expired jobs come back this soon after their lock ran out.
        maintenanceIntervalSeconds: Math.min(120, Math.max(1, Math.ceil(options.lockSeconds / 3))),
        archiveCompletedAfterSeconds: 24 * 3600,
        archiveFailedAfterSeconds: 7 * 24 * 3600,
        deleteAfterDays: 30,
        retentionDays: 14,
      });
      attempt.on('error', (err) => options.log.error({ err }, 'pg-boss failed'));
      // Maintenance may have turned expired jobs into retries: every worker should look.
      attempt.on('maintenance', () => void notify(db, 0).catch((err: unknown) => options.log.warn({ err }, 'notifying workers failed')));
      return attempt.start();
    });
    return new PgBossQueue(db, boss, options);
  }

  async prepare(names: string[]): Promise<void> {
    for (const name of names) await againAfterRace(() => this.boss.createQueue(name));
  }

  async enqueue<P extends JobPayload>(executor: JobExecutor, job: Job<P>, payload: P, options: EnqueueOptions = {}): Promise<void> {
    const delayMs = (options.delaySeconds ?? 0) * 1000;
    await this.boss.send(job.name, payload, {
      db: bossDb(executor),
      ...(options.dedupKey === undefined ? {} : { id: idOfKey(options.dedupKey), singletonKey: options.dedupKey }),
      ...(delayMs > 0 ? { startAfter: new Date(Date.now() + delayMs) } : {}),
      retryLimit: job.maxAttempts - 1,
      retryDelay: 0,
      retryBackoff: false,
      expireInSeconds: this.options.lockSeconds,
    });
    await notify(executor, delayMs);
  }

  async watch(wake: () => void): Promise<() => Promise<void>> {
    const { log, url } = this.options;
    let client: pg.Client | null = null;
    let closed = false;
    const timers = new Set<NodeJS.Timeout>();
    const later = (ms: number) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        wake();
      }, ms);
      timers.add(timer);
    };
    const listen = async (): Promise<void> => {
      const listener = new pg.Client({ connectionString: url, application_name: 'album-api-jobs' });
      listener.on('notification', (message) => {
        const dueInMs = Number(message.payload);
        if (dueInMs > 0) later(dueInMs);
        else wake();
      });
      listener.on('error', (err) => {
        log.warn({ err }, 'the job LISTEN connection failed; listening again');
        void listener.end().catch(() => {});
        if (!closed) setTimeout(() => void listen().catch(retry), RELISTEN_MS);
      });
      await listener.connect();
      await listener.query(`LISTEN ${CHANNEL}`);
      client = listener;
      // Whatever was queued while nobody listened.
      wake();
    };
    const retry = (err: unknown) => {
      log.warn({ err }, 'listening for jobs failed; trying again');
      if (!closed) setTimeout(() => void listen().catch(retry), RELISTEN_MS);
    };
    await listen();
    return async () => {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      await client?.end();
    };
  }

  async claim(workerId: string, lockSeconds: number, names: string[]): Promise<ClaimedJob | null> {
    for (let i = 0; i < names.length; i++) {
      const name = names[(this.next + i) % names.length]!;
      const [job] = await this.boss.fetch<JobPayload>(name, { includeMetadata: true });
      if (!job) continue;
      this.next = (this.next + i + 1) % names.length;
      await this.hold([job.id], workerId, lockSeconds, { claiming: true });
      return { id: job.id, name, payload: job.data, attempts: job.retryCount + 1 };
    }
    return null;
  }

  async extend(ids: string[], workerId: string, lockSeconds: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const held = new Set(await this.hold(ids, workerId, lockSeconds, { claiming: false }));
    return ids.filter((id) => !held.has(id));
  }

  /**
   * Sets the expiry of active jobs `ids` to `lockSeconds` from now and names their worker (in
   * `output`, which pg-boss writes only when the job ends); when not claiming, only the jobs
   * still this worker's. Returns the ids held.
   */
  private async hold(ids: string[], workerId: string, lockSeconds: number, { claiming }: { claiming: boolean }): Promise<string[]> {
    const { rows } = await sql<{ id: string }>`
      UPDATE ${sql.table(`${SCHEMA}.job`)}
      SET expire_in = (now() - started_on) + make_interval(secs => ${lockSeconds}),
        output = jsonb_build_object('worker', ${workerId}::text)
      WHERE id = ANY(${ids}::uuid[]) AND state = 'active'
        ${claiming ? sql`` : sql`AND output->>'worker' = ${workerId}`}
      RETURNING id`.execute(this.db);
    return rows.map((row) => row.id);
  }

  async complete(job: ClaimedJob): Promise<void> {
    await this.boss.complete(job.name, job.id);
  }

  async fail(job: ClaimedJob, _workerId: string, error: string, retryInSeconds: number | null): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.boss.fail(job.name, job.id, { message: error }, { db: bossDb(trx) });
      if (retryInSeconds === null) return;
      await sql`
        UPDATE ${sql.table(`${SCHEMA}.job`)}
        SET start_after = now() + make_interval(secs => ${retryInSeconds})
        WHERE name = ${job.name} AND id = ${job.id}::uuid AND state = 'retry'`.execute(trx);
      await notify(trx, retryInSeconds * 1000);
    });
  }

  async counts(): Promise<Partial<Record<JobStatus, number>>> {
    const { rows } = await sql<{ state: string; n: number }>`
      SELECT state, count(*)::int AS n FROM ${sql.table(`${SCHEMA}.job`)} GROUP BY state`.execute(this.db);
    const counts: Partial<Record<JobStatus, number>> = {};
    for (const { state, n } of rows) {
      const status = STATUS[state] ?? 'failed';
      counts[status] = (counts[status] ?? 0) + n;
    }
    return counts;
  }

  async list(name: string): Promise<JobSummary[]> {
    const { rows } = await sql<{ id: string; state: string; retry_count: number; started: boolean; singleton_key: string | null; worker: string | null }>`
      SELECT id, state, retry_count, started_on IS NOT NULL AS started, singleton_key, output->>'worker' AS worker
      FROM ${sql.table(`${SCHEMA}.job`)} WHERE name = ${name} ORDER BY created_on`.execute(this.db);
    return rows.map((r) => ({
      id: r.id,
      status: STATUS[r.state] ?? 'failed',
      attempts: r.retry_count + (r.started ? 1 : 0),
      dedupKey: r.singleton_key,
      worker: r.state === 'active' ? r.worker : null,
    }));
  }

  /** Stops pg-boss's maintenance; the database is the platform's to close. */
  async close(): Promise<void> {
    await this.boss.stop({ close: false, graceful: false });
  }
}
