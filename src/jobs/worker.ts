/**
 * Runs queued jobs: a loop that claims due jobs and runs them, a few at a time. `serve` runs
 * one in-process (unless WORKERS=0); `album-api worker` runs one without HTTP.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Job, JobPayload } from './job.ts';
import type { ClaimedJob, JobQueue } from './job-queue.ts';

/** The job classes a worker can run, each under its unique name. */
export class JobRegistry {
  private readonly jobs = new Map<string, Job<JobPayload>>();

  /** Refuses a second handler for a name, so a misconfiguration stops the start. */
  register<P extends JobPayload>(job: Job<P>): this {
    if (this.jobs.has(job.name)) throw new Error(`two handlers for job "${job.name}"`);
    // A stored payload is read back as any job's; each job's own `run` knows its shape.
    this.jobs.set(job.name, job);
    return this;
  }

  get(name: string): Job<JobPayload> | undefined {
    return this.jobs.get(name);
  }

  names(): string[] {
    return [...this.jobs.keys()];
  }
}

export interface WorkerOptions {
  /** Jobs run at once (WORKER_CONCURRENCY). */
  concurrency?: number;
  /** How often an idle worker looks for due jobs (JOB_POLL_MS). */
  pollMs?: number;
  /**
   * How long a claimed job stays locked (JOB_LOCK_SECONDS). A live worker renews the locks of
   * its running jobs every third of this, so a long job keeps its lock; a worker that dies
   * (SIGKILL, lost machine) stops renewing and its jobs are claimed again once this has passed.
   */
  lockSeconds?: number;
}

export class Worker {
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private running = 0;
  private stopped = true;
  private timer: NodeJS.Timeout | null = null;
  private readonly idle = new Set<() => void>();
  /** Ids of the jobs running now, whose locks the heartbeat renews. */
  private readonly held = new Set<string>();
  private heartbeat: NodeJS.Timeout | null = null;
  /** The claiming loop, while it runs: a claim in flight may still bring a job to run. */
  private filling: Promise<void> | null = null;
  private refill = false;
  private readonly concurrency: number;
  /** How often an idle worker looks for due jobs when nothing woke it. */
  readonly pollMs: number;
  private readonly lockSeconds: number;

  constructor(
    private readonly queue: JobQueue,
    private readonly registry: JobRegistry,
    private readonly log: FastifyBaseLogger,
    options: WorkerOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 4;
    this.pollMs = options.pollMs ?? 250;
    this.lockSeconds = options.lockSeconds ?? 60;
  }

  start(): void {
    this.stopped = false;
    this.heartbeat = setInterval(() => void this.renewLocks(), Math.max(100, (this.lockSeconds * 1000) / 3));
    this.poke();
  }

  private async renewLocks(): Promise<void> {
    if (this.held.size === 0) return;
    try {
      const lost = await this.queue.extend([...this.held], this.id, this.lockSeconds);
      // Only after a stall longer than the lock (a paused VM, a blocked event loop): another
      // worker may be running the job too now. Handlers are safe to run twice; say so in the log.
      if (lost.length) this.log.warn({ jobs: lost }, 'lost the lock of running jobs');
    } catch (err) {
      this.log.error({ err }, 'renewing job locks failed');
    }
  }

  /** Looks for work now instead of at the next poll (called after enqueueing). */
  poke(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // One claiming loop at a time, so `concurrency` holds and stop() can wait for it; a poke
    // meanwhile runs the loop once more when it ends.
    if (this.filling) {
      this.refill = true;
      return;
    }
    this.filling = this.fill().finally(() => {
      this.filling = null;
      if (this.refill) {
        this.refill = false;
        this.poke();
      }
    });
  }

  private async fill(): Promise<void> {
    while (!this.stopped && this.running < this.concurrency) {
      let claimed: ClaimedJob | null;
      try {
        claimed = await this.queue.claim(this.id, this.lockSeconds, this.registry.names());
      } catch (err) {
        this.log.error({ err }, 'claiming a job failed');
        claimed = null;
      }
      if (!claimed) break;
      const job = claimed;
      this.running++;
      this.held.add(job.id);
      void this.execute(job).finally(() => {
        this.held.delete(job.id);
        this.running--;
        if (this.running === 0) for (const resolve of this.idle) resolve();
        this.poke();
      });
    }
    if (!this.stopped && !this.timer) this.timer = setTimeout(() => this.poke(), this.pollMs);
  }

  private async execute(claimed: ClaimedJob): Promise<void> {
    const job = this.registry.get(claimed.name);
    try {
      if (!job) throw new Error(`no handler for job "${claimed.name}"`);
      await job.run(claimed.payload);
      await this.queue.complete(claimed, this.id);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const retry = job && claimed.attempts < job.maxAttempts ? job.backoffSeconds(claimed.attempts) : null;
      this.log.warn({ job: claimed.name, id: claimed.id, attempt: claimed.attempts, retryIn: retry, err: message }, 'job failed');
      await this.queue.fail(claimed, this.id, message, retry).catch((e) => this.log.error({ err: e }, 'recording a job failure failed'));
    }
  }

  /** Stops claiming and waits for running jobs to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // A claim that was in flight has either found nothing or started its job by then.
    await this.filling;
    if (this.running > 0) await new Promise<void>((resolve) => this.idle.add(resolve));
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}
