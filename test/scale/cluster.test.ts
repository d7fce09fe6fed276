/**
 * Past one machine: two API processes (WORKERS=0) behind one address (a least-connections proxy,
 * their shared PUBLIC_URL) and two worker processes, on one database and one S3 bucket.
 * Concurrent uploads through both API processes: every image lands once, counts are exact,
 * no notification job runs twice, and either process serves every image's derivatives.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { S3Store } from '../../src/storage/s3-store.ts';
import * as fixtures from '../fixtures/images.ts';
import { type ChildService, freePort, startChild } from '../helpers/child-server.ts';
import { type ApiResponse, call, tempDir } from '../helpers/server.ts';
import { type AlbumJson, createAlbum, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';
import { S3_CREDENTIALS, startS3, type TestS3 } from '../storage/s3-server.ts';
import { deploymentEnv, sharedDatabase, type SharedDatabase, startWorker } from './cluster.ts';
import { startProxy, type TestProxy } from './proxy.ts';

const UPLOADS_PER_ALBUM = 12;

let s3: TestS3;
let database: SharedDatabase;
let proxy: TestProxy;
let bucket: S3Store;
const apis: ChildService[] = [];
const workers: ChildService[] = [];
const dataDirs = ['cluster-api-a', 'cluster-api-b', 'cluster-worker-1', 'cluster-worker-2'].map((name) => tempDir(name));

before(async () => {
  s3 = await startS3();
  database = await sharedDatabase();
  const ports = [await freePort(), await freePort()];
  proxy = await startProxy(ports.map((port) => `http://127.0.0.1:${port}`));
  const env = deploymentEnv(proxy.url, database.url, { ...s3.env(), JOB_POLL_MS: '50' });
  // One API process first: it migrates and bootstraps the first organization (and prints its
  // token); everything else then starts at once.
  apis.push(await startChild('serve', { ...env, WORKERS: '0', DATA_DIR: dataDirs[0]! }, { port: ports[0] }));
  const [b, ...started] = await Promise.all([
    startChild('serve', { ...env, WORKERS: '0', DATA_DIR: dataDirs[1]! }, { port: ports[1] }),
    startWorker({ ...env, DATA_DIR: dataDirs[2]! }),
    startWorker({ ...env, DATA_DIR: dataDirs[3]! }),
  ]);
  apis.push(b);
  workers.push(...started);
  bucket = new S3Store({
    bucket: s3.bucket,
    prefix: '',
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: S3_CREDENTIALS.AWS_SECRET_ACCESS_KEY },
  });
});

after(async () => {
  await Promise.all([...apis, ...workers].map((child) => child.kill('SIGTERM')));
  await bucket?.close();
  await proxy?.close();
  await database?.drop();
  await s3?.stop();
});

test('two API processes and two workers on one database and one bucket: every upload lands once', { timeout: 240_000 }, async () => {
  const token = /token \(4 h\):\s+(\S+)/.exec(apis[0]!.output())?.[1];
  assert.ok(token, `the first API process bootstrapped and printed a token:\n${apis[0]!.output()}`);

  // Two albums, created through the proxy (so by either process); their forms point at it.
  const albums: AlbumJson[] = [await createAlbum(proxy, token), await createAlbum(proxy, token)];
  for (const album of albums) assert.ok(album.upload_form.url.startsWith(proxy.url), album.upload_form.url);

  // Distinct files, all in flight at once, spread over both API processes by the proxy.
  const dir = tempDir('cluster-files');
  const uploads = albums.flatMap((album, a) =>
    Array.from({ length: UPLOADS_PER_ALBUM }, (_, i) => ({ album, color: `#${(a * 100 + i * 7 + 16).toString(16).padStart(2, '0')}50a0` })),
  );
  const answers = await Promise.all(
    uploads.map(async ({ album, color }) => {
      const res = await uploadToAlbum(album, await fixtures.solidColor(dir, color));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return { album: album.id, publicId: String(res.body.public_id) };
    }),
  );
  const uploadHits = proxy.hitsByPath('/v1_1/');
  assert.ok(uploadHits.every((n) => n > 0), `both API processes took uploads: ${uploadHits}`);
  const publicIds = answers.map((a) => a.publicId);
  assert.equal(new Set(publicIds).size, uploads.length, 'every upload got its own public_id');

  // Every image in its album once; the counters exact.
  for (const album of albums) {
    const images = await waitForImages(proxy, token, album.id, UPLOADS_PER_ALBUM, 60_000);
    assert.deepEqual(
      images.map((i) => i.public_id).sort(),
      answers.filter((a) => a.album === album.id).map((a) => a.publicId).sort(),
    );
    const got: ApiResponse<{ images_count: number }> = await call(proxy, 'GET', `/api/v1/albums/${album.id}`, { token });
    assert.equal(got.body.images_count, UPLOADS_PER_ALBUM);
  }
  const rows = await database.query<{ public_id: string; n: number | string }>(
    'SELECT public_id, COUNT(*) AS n FROM images GROUP BY public_id',
  );
  assert.equal(rows.length, uploads.length);
  for (const row of rows) assert.equal(Number(row.n), 1, `${row.public_id} has one image row`);
  const assets = await database.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM media_assets');
  assert.equal(Number(assets[0]!.n), uploads.length);

  // No notification job ran twice: each done at its first attempt, and the API received each
  // notification once (the proxy saw every one on its way), acknowledged with 201.
  const jobs = await database.jobs('media.deliver_notification');
  assert.equal(jobs.length, uploads.length);
  for (const job of jobs) assert.deepEqual([job.status, job.attempts], ['done', 1]);
  const seen = new Map<string, number>();
  for (const n of proxy.notifications) seen.set(n.publicId, (seen.get(n.publicId) ?? 0) + 1);
  assert.equal(seen.size, uploads.length);
  for (const id of publicIds) assert.equal(seen.get(id), 1, `notification for ${id} delivered once`);
  assert.ok(proxy.notifications.every((n) => n.status === 201), 'every notification was acknowledged with 201');

  // Every original in the one bucket; nothing on any process's local disk.
  const originals = await bucket.list('originals/');
  assert.equal(originals.length, uploads.length);
  for (const dataDir of dataDirs) assert.equal(existsSync(join(dataDir, 'media')), false, `no media under ${dataDir}`);

  // Each process serves every image's derivatives (rendered by whichever process came first,
  // shared through the bucket): the same bytes from A and from B.
  const images = await waitForImages(proxy, token, albums[0]!.id, UPLOADS_PER_ALBUM);
  for (const image of images.slice(0, 4)) {
    const path = new URL(image.thumbnails.large as string).pathname;
    const bodies = [];
    for (const api of apis) {
      const res = await fetch(api.url + path);
      assert.equal(res.status, 200, `${api.url}${path}`);
      bodies.push(Buffer.from(await res.arrayBuffer()));
    }
    assert.deepEqual(bodies[0], bodies[1]);
    const meta = await sharp(bodies[0]!).metadata();
    assert.deepEqual([meta.width, meta.height], [200, 200]);
  }
  assert.ok((await bucket.list('derived/')).length >= 1, 'derivatives are cached in the shared bucket');
});
