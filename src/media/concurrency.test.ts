import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { limit, Semaphore } from './concurrency.ts';

test('limit(n) never runs more than n tasks at once and returns every result', async () => {
  const limited = limit(3);
  let running = 0;
  let peak = 0;
  const results = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      limited(async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(5);
        running--;
        return i * 2;
      }),
    ),
  );
  assert.equal(peak, 3);
  assert.deepEqual(results, Array.from({ length: 12 }, (_, i) => i * 2));
});

test('a failing task frees its slot and its error reaches the caller', async () => {
  const semaphore = new Semaphore(1);
  await assert.rejects(semaphore.run(() => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await semaphore.run(() => 'next'), 'next');
  assert.equal(semaphore.running, 0);
});

test('waiters are served first in, first out', async () => {
  const semaphore = new Semaphore(1);
  const release = await semaphore.acquire();
  const order: number[] = [];
  const waiting = [1, 2, 3].map((n) => semaphore.run(() => order.push(n)));
  assert.equal(semaphore.pending, 3);
  release();
  release();
  await Promise.all(waiting);
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(semaphore.running, 0);
});

test('the default size is the number of CPUs; sizes must be positive integers', () => {
  assert.equal(new Semaphore().size, availableParallelism());
  assert.throws(() => new Semaphore(0), RangeError);
  assert.throws(() => new Semaphore(1.5), RangeError);
});
