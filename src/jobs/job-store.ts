/**
 * The durable queue: a `jobs` table. Jobs are enqueued inside the transaction that caused
 * them; a worker claims one by locking it for a while (PostgreSQL: FOR UPDATE SKIP LOCKED, so
 * two workers never claim the same job; SQLite: the single writer does the same). A job whose
 * worker died is claimed again once its lock expires.
 */
import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database, JobTable } from '../db/schema.ts';
import type { Dialect } from '../db/database.ts';
import type { Job, JobPayload } from './job.ts';

export type JobRow = Selectable<JobTable>;

const iso = (ms: number): string => new Date(ms).toISOString();

export class JobStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** Queues `payload` for `job` (on `executor`, e.g. the causing transaction); a repeated dedup key is ignored. */
  async enqueue<P extends JobPayload>(
    job: Job<P>,
    payload: P,
    options: { dedupKey?: string; executor?: Kysely<Database>; delaySeconds?: number } = {},
  ): Promise<void> {
    const now = Date.now();
    await (options.executor ?? this.db)
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
      .execute();
  }

  /** Claims the next due job for `workerId`, locking it for `lockSeconds`; null when none is due. */
  async claim(workerId: string, lockSeconds: number, names: string[]): Promise<JobRow | null> {
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
    const claimed = await this.db
      .updateTable('jobs')
      .set((eb) => ({ locked_by: workerId, locked_until: iso(now + lockSeconds * 1000), attempts: eb('attempts', '+', 1) }))
      .where('id', '=', this.dialect === 'postgres' ? due.forUpdate().skipLocked() : due)
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
    return claimed ?? null;
  }

  /**
   * Pushes the locks of `ids` (still held by `workerId`) another `lockSeconds` into the future:
   * a running job's heartbeat, so that a job longer than the lock is not claimed again while
   * its worker lives. Returns the ids whose lock was no longer this worker's.
   */
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

  async complete(id: string, workerId: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ status: 'done', finished_at: iso(Date.now()), locked_by: null, locked_until: null })
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .execute();
  }

  /** Schedules another attempt, or marks the job failed when it has none left. */
  async fail(row: JobRow, workerId: string, error: string, retryInSeconds: number | null): Promise<void> {
    const now = Date.now();
    await this.db
      .updateTable('jobs')
      .set(
        retryInSeconds === null
          ? { status: 'failed', finished_at: iso(now), last_error: error, locked_by: null, locked_until: null }
          : { run_at: iso(now + retryInSeconds * 1000), last_error: error, locked_by: null, locked_until: null },
      )
      .where('id', '=', row.id)
      .where('locked_by', '=', workerId)
      .execute();
  }

  /** Jobs by status, for tests and operators. */
  async counts(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['status', sql<number>`count(*)`.as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}
