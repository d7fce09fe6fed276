/**
 * On S3 (STORAGE_URL=s3://... against s3rver), through the official SDK: an upload puts its
 * original and its derivatives in the bucket, and `destroy` leaves nothing of it there (nor on
 * local disk); the asset is 404 afterwards.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { S3Store } from '../../src/storage/s3-store.ts';
import { imageFile, type SdkHarness, startSdkHarness } from '../helpers/cloudinary-sdk.ts';
import { tempDir } from '../helpers/server.ts';
import { S3_CREDENTIALS, startS3, type TestS3 } from '../storage/s3-server.ts';

let s3: TestS3;
let h: SdkHarness;
let bucket: S3Store;

before(async () => {
  s3 = await startS3();
  h = await startSdkHarness(s3.env('sdk-media'));
  bucket = new S3Store({
    bucket: s3.bucket,
    prefix: 'sdk-media',
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: S3_CREDENTIALS.AWS_SECRET_ACCESS_KEY },
  });
});
after(async () => {
  await bucket?.close();
  await h?.server.stop();
  await s3?.stop();
});

test('destroy removes the original and every derivative from the bucket; GET is 404', { timeout: 60_000 }, async () => {
  const file = await imageFile(tempDir('sdk-s3'), 'bucketed', 300, 200);
  const kept = await h.cloudinary.uploader.upload(file, { public_id: 'neighbour' });
  const result = await h.cloudinary.uploader.upload(file, { public_id: 'albums/bucketed', eager: [{ width: 30, crop: 'scale' }] });
  const derived = await h.fetchImage(h.cloudinary.url(result.public_id, { width: 60, height: 60, crop: 'fill' }));
  assert.deepEqual([derived.status, derived.width], [200, 60]);
  assert.equal((await h.fetchImage(h.cloudinary.url(kept.public_id, { width: 10, crop: 'scale' }))).status, 200);
  // The cache may write a derivative after answering.
  const deadline = Date.now() + 5000;
  while ((await bucket.list('derived/')).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal((await bucket.list('originals/')).length, 2);
  assert.equal((await bucket.list('derived/')).length, 3);

  assert.deepEqual(await h.cloudinary.uploader.destroy(result.public_id), { result: 'ok' });
  assert.equal((await h.fetchImage(result.secure_url)).status, 404);
  assert.equal((await h.fetchImage(h.cloudinary.url(result.public_id, { width: 60, height: 60, crop: 'fill' }))).status, 404);
  // Only the neighbour's original and derivative remain.
  assert.deepEqual((await bucket.list('originals/')).map((o) => o.key), [`originals/upload/neighbour/v${kept.version}.jpg`]);
  assert.equal((await bucket.list('derived/')).length, 1);
  assert.equal(existsSync(join(h.server.dataDir, 'media')), false, 'nothing on local disk');
});
