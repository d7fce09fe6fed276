/**
 * Recurring work on the durable queue: a timer queues a job now and then every `everyMs`,
 * under a dedup key per period, so that several processes running workers queue it once.
 */
import type { FastifyBaseLogger } from 'fastify';

/** How often, and how to queue the period's job. */
export interface PeriodicOptions {
  everyMs: number;
  /** Queues the period's job (with its dedup key); a repeat within the period is a no-op. */
  enqueue: () => Promise<void>;
  log: FastifyBaseLogger;
}

/** Starts the timer; returns the function that stops it. */
export function schedulePeriodic({ everyMs, enqueue, log }: PeriodicOptions): () => void {
  const tick = () => void enqueue().catch((err) => log.error({ err }, 'queueing a periodic job failed'));
  tick();
  const timer = setInterval(tick, everyMs);
  // A timer must not keep a process alive that is otherwise done.
  timer.unref();
  return () => clearInterval(timer);
}
