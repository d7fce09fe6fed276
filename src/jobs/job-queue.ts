/**
 * The durable job queue, as callers and the worker see it. Two stores implement it, chosen by
 * the database in platform.ts: the embedded `jobs` table (job-store.ts, SQLite: the
 * one-process default) and pg-boss (pg-boss-queue.ts, PostgreSQL: any number of processes).
 */
import type { CompiledQuery, QueryResult } from 'kysely';
import type { Job, JobPayload } from './job.ts';

/**
 * Where a job is inserted: the caller's transaction, so that the job is queued if and only if
 * that transaction commits (or the database itself). Any Kysely instance or transaction over
 * the queue's database is one, whatever tables its own schema declares.
 */
export interface JobExecutor {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

export interface EnqueueOptions {
  /** A second job with the same key is not queued while the first is kept. */
  dedupKey?: string;
  /** Not run before this many seconds have passed. */
  delaySeconds?: number;
}

/** A job a worker holds: its payload parsed, `attempts` counting this one. */
export interface ClaimedJob {
  id: string;
  name: string;
  payload: JobPayload;
  attempts: number;
}

/** The stores' common words for a job's state: queued (waiting or running), done, failed. */
export type JobStatus = 'queued' | 'done' | 'failed';

/** One job as operators and tests see it. */
export interface JobSummary {
  id: string;
  status: JobStatus;
  attempts: number;
  dedupKey: string | null;
  /** The worker (`<host>:<pid>:<random>`) running it now, or last, when known. */
  worker: string | null;
}

export interface JobQueue {
  /**
   * True when other processes' enqueues and due retries wake this process's worker by
   * themselves (PostgreSQL's LISTEN/NOTIFY), so that polling is only a fallback.
   */
  readonly pushesWakeUps: boolean;
  /** Prepares a queue for each of `names` (call before enqueueing or running them). */
  prepare(names: string[]): Promise<void>;
  /** Queues `payload` for `job` on `executor`; a repeated dedup key is ignored. */
  enqueue<P extends JobPayload>(executor: JobExecutor, job: Job<P>, payload: P, options?: EnqueueOptions): Promise<void>;
  /** Calls `wake` whenever jobs may have become due elsewhere; returns how to stop. */
  watch(wake: () => void): Promise<() => Promise<void>>;

  /** Takes the next due job of `names` for `workerId`, held for `lockSeconds`; null when none is due. */
  claim(workerId: string, lockSeconds: number, names: string[]): Promise<ClaimedJob | null>;
  /**
   * Holds `ids` (running on `workerId`) another `lockSeconds`: a running job's heartbeat, so
   * that a job longer than the lock is not taken again while its worker lives. Returns the
   * ids that were no longer this worker's.
   */
  extend(ids: string[], workerId: string, lockSeconds: number): Promise<string[]>;
  complete(job: ClaimedJob, workerId: string): Promise<void>;
  /** Schedules another attempt in `retryInSeconds`, or marks the job failed when null. */
  fail(job: ClaimedJob, workerId: string, error: string, retryInSeconds: number | null): Promise<void>;

  /** Jobs by status, for tests and operators. */
  counts(): Promise<Partial<Record<JobStatus, number>>>;
  /** The jobs kept under `name`, for tests and operators. */
  list(name: string): Promise<JobSummary[]>;
  close(): Promise<void>;
}
