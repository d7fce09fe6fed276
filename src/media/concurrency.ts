import { availableParallelism } from 'node:os';

/** Counting semaphore: at most `size` holders at once, the rest wait in FIFO order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number = availableParallelism()) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`semaphore size must be a positive integer, got ${size}`);
  }

  /** Holders right now. */
  get running(): number {
    return this.active;
  }

  /** Callers queued behind the holders. */
  get pending(): number {
    return this.waiting.length;
  }

  /** Waits for a free slot; the returned function frees it (calling it again does nothing). */
  async acquire(): Promise<() => void> {
    if (this.active < this.size) {
      this.active++;
    } else {
      // The slot is handed over directly by release(), so `active` never dips and lets a newcomer jump the queue.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }

  /** Runs `task` inside a slot, freeing it however the task ends. */
  async run<T>(task: () => Promise<T> | T): Promise<T> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }
}

/** A function that runs tasks through one shared semaphore, p-limit style. */
export type Limit = <T>(task: () => Promise<T> | T) => Promise<T>;

/**
 * `const limited = limit(4); await limited(() => analyzeImage(...))`: at most `n` tasks of this
 * limiter run at once. Defaults to the number of CPUs, as image work is CPU-bound.
 */
export function limit(n: number = availableParallelism()): Limit {
  const semaphore = new Semaphore(n);
  return (task) => semaphore.run(task);
}
