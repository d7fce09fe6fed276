/**
 * One class per kind of background job. A job's payload is versioned JSON; handlers must be
 * safe to run twice (a worker may die after the work but before marking it done).
 */

/** What every payload carries. */
export interface JobPayload {
  /** Payload shape version, so an old queued job is recognised after an upgrade. */
  v: number;
}

export abstract class Job<P extends JobPayload> {
  /** The queue name stored with each job; unique across the registry. */
  abstract readonly name: string;
  /** Attempts before the job is marked failed. */
  readonly maxAttempts: number = 20;

  /** Does the work; throwing schedules a retry. */
  abstract run(payload: P): Promise<void>;

  /** Seconds to wait before attempt `attempt + 1`: exponential, capped at one hour. */
  backoffSeconds(attempt: number): number {
    return Math.min(2 ** attempt, 3600);
  }
}
