/**
 * A worker process whose job never ends: it prints "started <id>" once the job runs, and
 * waits to be killed (SIGKILL) mid-job. Argument: the database URL.
 */
import { openQueueProcess, runWorker, TestJob } from './queue-fixture.ts';

const LOCK_SECONDS = 2;
const url = process.argv[2]!;
const queueProcess = await openQueueProcess(url, LOCK_SECONDS);
await runWorker(
  queueProcess,
  [
    new TestJob('test.slow', async ({ n }) => {
      console.log(`started ${n}`);
      await new Promise(() => {});
    }),
  ],
  LOCK_SECONDS,
);
console.log('ready');
