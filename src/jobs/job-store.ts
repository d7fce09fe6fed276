/**
 * The embedded queue: a `jobs` table in the service's own database, for the one-process
 * default (SQLite). Jobs are inserted inside the transaction that caused them; a worker claims
 * one by locking it for a while (the single writer makes the claim atomic) and renews the lock
 * while the job runs. A job whose worker died is claimed again once its lock expires.
 */
import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database, JobTable } from '../db/schema.ts';
import type { Job, JobPayload } from './job.ts';
import type { ClaimedJob, EnqueueOptions, JobExecutor, JobQueue, JobStatus, JobSummary } from './job-queue.ts';

type JobRow = Selectable<JobTable>;

const iso = (ms: number): string => new Date(ms).toISOString();

const claimed = (row: JobRow): ClaimedJob => ({ id: row.id, name: row.name, payload: JSON.parse(row.payload) as JobPayload, attempts: row.attempts });

export class JobStore implements JobQueue {
  /** Only this process's own enqueues wake its worker (see Platform): the rest is polling. */
  readonly pushesWakeUps = false;

  constructor(private readonly db: Kysely<Database>) {}

  async prepare(): Promise<void> {}

  async enqueue<P extends JobPayload>(executor: JobExecutor, job: Job<P>, payload: P, options: EnqueueOptions = {}): Promise<void> {
    const now = Date.now();
    // Compiled here, run on the caller's executor: the same database, maybe inside its transaction.
    const insert = this.db
      .insertInto('jobs')
      .values({
        id: randomUUID(),
        name: job.name,
        payload: JSON.stringify(payload),
        dedup_key: options.dedupKey ?? null,
        status: 'queued',
        run_at: iso(now + (options.delaySeconds ?? 0) * 1000),
        locked_by: null,
        locked_until: null,
        last_error: null,
        created_at: iso(now),
        finished_at: null,
      })
      .onConflict((oc) => oc.column('dedup_key').doNothing())
      .compile();
    await executor.executeQuery(insert);
  }

  async watch(): Promise<() => Promise<void>> {
    return async () => {};
  }

  async claim(workerId: string, lockSeconds: number, names: string[]): Promise<ClaimedJob | null> {
    const now = Date.now();
    const due = this.db
      .selectFrom('jobs')
      .select('id')
      .where('status', '=', 'queued')
      .where('run_at', '<=', iso(now))
      .where('name', 'in', names)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', iso(now))]))
      .orderBy('run_at')
      .limit(1);
    const row = await this.db
      .updateTable('jobs')
      .set((eb) => ({ locked_by: workerId, locked_until: iso(now + lockSeconds * 1000), attempts: eb('attempts', '+', 1) }))
      .where('id', '=', due)
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
    return row ? claimed(row) : null;
  }

  async extend(ids: string[], workerId: string, lockSeconds: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const kept = await this.db
      .updateTable('jobs')
      .set({ locked_until: iso(Date.now() + lockSeconds * 1000) })
      .where('id', 'in', ids)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'queued')
      .returning('id')
      .execute();
    const held = new Set(kept.map((row) => row.id));
    return ids.filter((id) => !held.has(id));
  }

  async complete(job: ClaimedJob, workerId: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ status: 'done', finished_at: iso(Date.now()), locked_by: null, locked_until: null })
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .execute();
  }

  async fail(job: ClaimedJob, workerId: string, error: string, retryInSeconds: number | null): Promise<void> {
    const now = Date.now();
    await this.db
      .updateTable('jobs')
      .set(
        retryInSeconds === null
          ? { status: 'failed', finished_at: iso(now), last_error: error, locked_by: null, locked_until: null }
          : { run_at: iso(now + retryInSeconds * 1000), last_error: error, locked_by: null, locked_until: null },
      )
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .execute();
  }

  async counts(): Promise<Partial<Record<JobStatus, number>>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['status', sql<number>`count(*)`.as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  async list(name: string): Promise<JobSummary[]> {
    const rows = await this.db.selectFrom('jobs').selectAll().where('name', '=', name).orderBy('created_at').execute();
    return rows.map((r) => ({ id: r.id, status: r.status, attempts: r.attempts, dedupKey: r.dedup_key, worker: r.locked_by }));
  }

  /** The database is the platform's to close. */
  async close(): Promise<void> {}
}
