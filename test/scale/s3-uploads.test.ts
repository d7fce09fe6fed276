/**
 * The service on S3 (STORAGE_URL=s3://... against s3rver), end to end: an upload through the
 * album's form lands its original in the bucket, not on local disk, and the image's signed
 * derivatives are rendered from the bucket and cached back into it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { S3Store } from '../../src/storage/s3-store.ts';
import * as fixtures from '../fixtures/images.ts';
import { newTenant, startTestServer, tempDir, type TestServer } from '../helpers/server.ts';
import { createAlbum, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';
import { S3_CREDENTIALS, startS3, type TestS3 } from '../storage/s3-server.ts';

let s3: TestS3;
let server: TestServer;
let bucket: S3Store;

before(async () => {
  s3 = await startS3();
  server = await startTestServer(s3.env('album-media'));
  bucket = new S3Store({
    bucket: s3.bucket,
    prefix: 'album-media',
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: S3_CREDENTIALS.AWS_SECRET_ACCESS_KEY },
  });
});
after(async () => {
  await bucket?.close();
  await server?.stop();
  await s3?.stop();
});

test('an upload stores its original in the bucket and its derivatives are served from there', { timeout: 60_000 }, async () => {
  assert.equal(server.config.storage.kind, 's3');
  const tenant = await newTenant(server);
  const album = await createAlbum(server, tenant.token);
  const file = await fixtures.jpegWithGps(tempDir('s3-fixtures'));
  const upload = await uploadToAlbum(album, file);
  assert.equal(upload.status, 200, JSON.stringify(upload.body));
  const [image] = await waitForImages(server, tenant.token, album.id, 1);
  assert.equal(image!.public_id, upload.body.public_id);

  // The original: in the bucket under the prefix, whole; nothing under the local data dir.
  const originals = await bucket.list('originals/');
  assert.deepEqual(
    originals.map((o) => o.key),
    [`originals/authenticated/${upload.body.public_id}/v${upload.body.version}.jpg`],
  );
  assert.equal(originals[0]!.size, upload.body.bytes);
  assert.equal(existsSync(join(server.dataDir, 'media')), false, 'no media on local disk');

  // A derivative (mini: 100×100 fill), rendered from the bucket's original.
  const mini = await fetch(image!.thumbnails.mini);
  assert.equal(mini.status, 200);
  assert.match(mini.headers.get('content-type') ?? '', /^image\//);
  const meta = await sharp(Buffer.from(await mini.arrayBuffer())).metadata();
  assert.deepEqual([meta.width, meta.height], [100, 100]);

  // The original as delivered is the stored object, byte for byte.
  const original = await fetch(image!.original_url);
  assert.equal(original.status, 200);
  const stored = await bucket.getBuffer(originals[0]!.key);
  assert.deepEqual(Buffer.from(await original.arrayBuffer()), stored);

  // The rendered derivative was cached into the bucket too (the cache may write after answering).
  const deadline = Date.now() + 5000;
  while ((await bucket.list('derived/')).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok((await bucket.list('derived/')).length >= 1, 'a derivative is cached in the bucket');
});
