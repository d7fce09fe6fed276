/**
 * One contract, both job queues: the embedded `jobs` table (SQLite) and pg-boss (PostgreSQL),
 * each opened as the platform opens it. Two "processes" are two queues on two connections to
 * one database; the killed worker is a real child process.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPostgresDatabase } from '../helpers/database.ts';
import { tempDir } from '../helpers/server.ts';
import { type NumberedPayload, openQueueProcess, type QueueProcess, runWorker, sqliteUrl, type StoreKind, TestJob } from './queue-fixture.ts';

const LOCK_SECONDS = 2;

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A fresh database of `kind`, and two processes' queues on it. */
async function freshStore(kind: StoreKind): Promise<{ url: string; a: QueueProcess; b: QueueProcess }> {
  let url: string;
  if (kind === 'postgres') {
    const database = await createPostgresDatabase();
    cleanups.push(database.drop);
    url = database.url;
  } else {
    const dir = tempDir('job-queue');
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    url = sqliteUrl(dir);
  }
  const a = await openQueueProcess(url, LOCK_SECONDS);
  const b = await openQueueProcess(url, LOCK_SECONDS);
  cleanups.push(a.close, b.close);
  return { url, a, b };
}

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const payload = (n: number): NumberedPayload => ({ v: 1, n });

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`job queue on ${kind}`, () => {
    test('every job runs exactly once under two workers', async () => {
      const { a, b } = await freshStore(kind);
      const ran: number[] = [];
      const job = () => new TestJob('test.count', async ({ n }) => void ran.push(n));
      const stops = [await runWorker(a, [job()], LOCK_SECONDS), await runWorker(b, [job()], LOCK_SECONDS)];
      for (let n = 0; n < 40; n++) await (n % 2 ? a : b).queue.enqueue((n % 2 ? a : b).db.kysely, job(), payload(n));
      await until('40 jobs done', async () => ((await a.queue.counts()).done === 40 ? true : undefined));
      for (const stop of stops) await stop();
      assert.deepEqual([...ran].sort((x, y) => x - y), [...Array(40).keys()]);
      assert.deepEqual(await a.queue.counts(), { done: 40 });
    });

    test('a job queued in a rolled-back transaction never runs; one in a committed transaction does', async () => {
      const { a } = await freshStore(kind);
      const ran: number[] = [];
      const job = new TestJob('test.tx', async ({ n }) => void ran.push(n));
      const stop = await runWorker(a, [job], LOCK_SECONDS);
      await assert.rejects(
        a.db.kysely.transaction().execute(async (trx) => {
          await a.queue.enqueue(trx, job, payload(1));
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      await a.db.kysely.transaction().execute((trx) => a.queue.enqueue(trx, job, payload(2)));
      await until('the committed job', () => (ran.includes(2) ? true : undefined));
      await stop();
      assert.deepEqual(ran, [2]);
      assert.deepEqual((await a.queue.list('test.tx')).map((j) => j.status), ['done']);
    });

    test('a repeated dedup key is ignored, before and after the first job ran', async () => {
      const { a, b } = await freshStore(kind);
      const ran: number[] = [];
      const job = new TestJob('test.dedup', async ({ n }) => void ran.push(n));
      await a.queue.prepare([job.name]);
      await a.queue.enqueue(a.db.kysely, job, payload(1), { dedupKey: 'the-key' });
      await b.db.kysely.transaction().execute((trx) => b.queue.enqueue(trx, job, payload(2), { dedupKey: 'the-key' }));
      const stop = await runWorker(a, [job], LOCK_SECONDS);
      await until('the job', () => (ran.length ? true : undefined));
      await a.queue.enqueue(a.db.kysely, job, payload(3), { dedupKey: 'the-key' });
      await a.queue.enqueue(a.db.kysely, job, payload(4), { dedupKey: 'another-key' });
      await until('the other key', () => (ran.length === 2 ? true : undefined));
      await sleep(300);
      await stop();
      assert.deepEqual(ran, [1, 4]);
      const jobs = await a.queue.list(job.name);
      assert.deepEqual(jobs.map((j) => [j.dedupKey, j.status, j.attempts]), [['the-key', 'done', 1], ['another-key', 'done', 1]]);
    });

    test('a throwing handler is retried after its backoff, until it succeeds; out of attempts, the job fails', async () => {
      const { a } = await freshStore(kind);
      const attempts = new Map<number, number[]>();
      const backoffMs = 300;
      const job = new TestJob(
        'test.flaky',
        async ({ n }) => {
          const times = attempts.get(n) ?? [];
          times.push(Date.now());
          attempts.set(n, times);
          // Job 1 succeeds at its third attempt; job 2 never does.
          if (n === 2 || times.length < 3) throw new Error(`attempt ${times.length} fails`);
        },
        backoffMs,
        4,
      );
      const stop = await runWorker(a, [job], LOCK_SECONDS);
      await a.queue.enqueue(a.db.kysely, job, payload(1));
      await a.queue.enqueue(a.db.kysely, job, payload(2));
      await until('both settled', async () => {
        const statuses = (await a.queue.list(job.name)).map((j) => j.status);
        return statuses.includes('queued') ? undefined : statuses;
      });
      await stop();
      const [first, second] = await a.queue.list(job.name);
      assert.deepEqual([first!.status, first!.attempts], ['done', 3]);
      assert.deepEqual([second!.status, second!.attempts], ['failed', 4]);
      assert.equal(attempts.get(1)!.length, 3);
      assert.equal(attempts.get(2)!.length, 4, 'maxAttempts, then no more');
      // Each retry waited its backoff (a lower bound: a busy machine may wait longer).
      for (const times of attempts.values()) {
        for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= backoffMs - 50, `retry ${i} waited ${times[i]! - times[i - 1]!} ms`);
      }
    });

    test('a worker killed (SIGKILL) mid-job: the job comes back once its lock expires and completes once', { timeout: 120_000 }, async () => {
      const { url, a } = await freshStore(kind);
      await a.queue.prepare(['test.slow']);
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/jobs/hanging-worker.child.ts', url], { stdio: ['ignore', 'pipe', 'inherit'] });
      cleanups.push(async () => void child.kill('SIGKILL'));
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await until('the child worker', () => (output.includes('ready') ? true : undefined));
      await a.queue.enqueue(a.db.kysely, new TestJob('test.slow', async () => {}), payload(7));
      await until('the child to run the job', () => (output.includes('started 7') ? true : undefined));
      const [running] = await a.queue.list('test.slow');
      assert.equal(running!.worker?.split(':')[1], String(child.pid), 'the child holds the job');
      // Its heartbeat keeps the job while it lives, past the lock time.
      await sleep(LOCK_SECONDS * 1500);
      assert.deepEqual(await a.queue.list('test.slow'), [running]);

      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const ran: number[] = [];
      const stop = await runWorker(a, [new TestJob('test.slow', async ({ n }) => void ran.push(n))], LOCK_SECONDS);
      const done = await until('the job done', async () => (await a.queue.list('test.slow')).find((j) => j.status === 'done'));
      await sleep(300);
      await stop();
      assert.deepEqual(ran, [7], 'completed once, by the live worker');
      assert.equal(done.attempts, 2, 'claimed twice: by the killed worker, then by the live one');
      assert.equal(output.match(/started/g)?.length, 1);
    });

    test('a relay (each job queues the next in its transaction, as webhook deliveries of one organization do) runs in order under two workers', async () => {
      const { a, b } = await freshStore(kind);
      const ran: number[] = [];
      const LAST = 12;
      const relay = (p: QueueProcess): TestJob => {
        const job: TestJob = new TestJob('test.relay', async ({ n }) => {
          ran.push(n);
          if (n === LAST) return;
          // Queued twice, from both processes, as a repeated settle would: the dedup key keeps one.
          await p.db.kysely.transaction().execute((trx) => p.queue.enqueue(trx, job, payload(n + 1), { dedupKey: `relay:${n + 1}` }));
          await a.queue.enqueue(a.db.kysely, job, payload(n + 1), { dedupKey: `relay:${n + 1}` });
        });
        return job;
      };
      const stops = [await runWorker(a, [relay(a)], LOCK_SECONDS), await runWorker(b, [relay(b)], LOCK_SECONDS)];
      await a.queue.enqueue(a.db.kysely, relay(a), payload(1), { dedupKey: 'relay:1' });
      await until('the relay to end', () => (ran.includes(LAST) ? true : undefined));
      await sleep(300);
      for (const stop of stops) await stop();
      assert.deepEqual(ran, Array.from({ length: LAST }, (_, i) => i + 1));
    });
  });
}
