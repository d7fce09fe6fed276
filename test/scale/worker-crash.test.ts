/**
 * A worker killed with SIGKILL in the middle of a job: the job is not lost and not run twice
 * to completion. Its lock, renewed while the worker lived, expires; the other worker claims it
 * and completes it, once.
 *
 * The job is made slow on purpose: notifications go through a proxy (the API's PUBLIC_URL)
 * that holds the first one open without answering, so the worker that sent it is stuck in it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as fixtures from '../fixtures/images.ts';
import { type ChildService, freePort, startChild } from '../helpers/child-server.ts';
import { tempDir } from '../helpers/server.ts';
import { createAlbum, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';
import { deploymentEnv, eventually, sharedDatabase, type SharedDatabase, startWorker } from './cluster.ts';
import { startProxy, type TestProxy } from './proxy.ts';

const LOCK_SECONDS = 3;

const children: ChildService[] = [];
let database: SharedDatabase | null = null;
let proxy: TestProxy | null = null;
after(async () => {
  await Promise.all(children.map((child) => child.kill('SIGKILL')));
  await proxy?.close();
  await database?.drop();
});

test('a worker SIGKILLed mid-job: the other worker completes the job once, after the lock expires', { timeout: 180_000 }, async () => {
  database = await sharedDatabase();
  const port = await freePort();
  proxy = await startProxy([`http://127.0.0.1:${port}`]);
  const env = deploymentEnv(proxy.url, database.url, {
    // One store for every process (a shared directory here; S3 in production).
    STORAGE_URL: `file://${tempDir('crash-store')}`,
    JOB_LOCK_SECONDS: String(LOCK_SECONDS),
    JOB_POLL_MS: '50',
  });
  const api = await startChild('serve', { ...env, WORKERS: '0', DATA_DIR: tempDir('crash-api') }, { port });
  children.push(api);
  const workers = await Promise.all([
    startWorker({ ...env, DATA_DIR: tempDir('crash-worker-1') }),
    startWorker({ ...env, DATA_DIR: tempDir('crash-worker-2') }),
  ]);
  children.push(...workers);
  const token = /token \(4 h\):\s+(\S+)/.exec(api.output())?.[1];
  assert.ok(token, api.output());

  const held = proxy.holdNextNotification();
  const album = await createAlbum(proxy, token);
  const upload = await uploadToAlbum(album, await fixtures.solidColor(tempDir('crash-files'), '#336699'));
  assert.equal(upload.status, 200, JSON.stringify(upload.body));
  const publicId = String(upload.body.public_id);
  const { notification } = await held;
  assert.equal(notification.publicId, publicId);

  // Which worker is stuck in the job: its id is `<host>:<pid>:<random>`.
  const jobOf = async () => (await database!.jobs('media.deliver_notification'))[0]!;
  const running = await jobOf();
  const pid = Number(running.worker?.split(':')[1]);
  const stuck = workers.find((w) => w.process.pid === pid);
  const other = workers.find((w) => w !== stuck)!;
  assert.ok(stuck, `the job is locked by one of our workers (${running.worker})`);

  // While its worker lives, the job keeps its lock (renewed every third of it), however long
  // it runs: after twice the lock time, nobody else has taken it.
  await sleep(2 * LOCK_SECONDS * 1000);
  assert.equal(proxy.notifications.length, 1, 'no second delivery while the first worker lives');
  assert.deepEqual(await jobOf(), running);

  const killedAt = Date.now();
  await stuck.kill('SIGKILL');

  const [image] = await waitForImages(proxy, token, album.id, 1, 30_000);
  assert.equal(image!.public_id, publicId);
  const done = await eventually('the job to be done', async () => {
    const job = await jobOf();
    return job.status === 'done' ? job : undefined;
  });
  assert.equal(done.attempts, 2, 'claimed twice: by the killed worker, then by the other');

  const deliveries = proxy.notifications.filter((n) => n.publicId === publicId);
  assert.equal(deliveries.length, 2, 'the held delivery, then one more');
  const retry = deliveries[1]!;
  assert.equal(retry.status, 201, 'the retry was acknowledged');
  // The killed worker's last renewal left between 2/3 and all of the lock time to run.
  const waited = retry.at - killedAt;
  assert.ok(waited >= ((2 * LOCK_SECONDS) / 3) * 1000 - 250, `re-claimed only after the lock expired (${waited} ms after the kill)`);
  assert.ok(waited < (LOCK_SECONDS + 5) * 1000, `re-claimed soon after the lock expired (${waited} ms after the kill)`);
  assert.equal(other.process.exitCode, null, 'the other worker is alive: it ran the job');

  const rows = await database.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM images');
  assert.equal(Number(rows[0]!.n), 1, 'one image');
  const albums = await database.query<{ images_count: number | string }>('SELECT images_count FROM albums');
  assert.deepEqual(albums.map((a) => Number(a.images_count)), [1]);
});
