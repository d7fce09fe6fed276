/**
 * Downloads on S3 (STORAGE_URL=s3://... against s3rver): an original by range, and an album
 * ZIP read from the bucket, accepted by `unzip -t`, holding the uploaded files byte for
 * byte, and resumed with Range to the same bytes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as fixtures from '../fixtures/images.ts';
import { newTenant, startTestServer, tempDir, type TestServer } from '../helpers/server.ts';
import { createAlbum, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';
import { startS3, type TestS3 } from '../storage/s3-server.ts';

let s3: TestS3;
let server: TestServer;

before(async () => {
  s3 = await startS3();
  server = await startTestServer(s3.env('album-media'));
});
after(async () => {
  await server?.stop();
  await s3?.stop();
});

test('originals and album ZIPs come from the bucket, ranges included', { timeout: 120_000 }, async () => {
  assert.equal(server.config.storage.kind, 's3');
  const tenant = await newTenant(server);
  const album = await createAlbum(server, tenant.token, 'on-s3');
  const dir = tempDir('s3-downloads');
  const files = [await fixtures.jpegWithGps(dir), await fixtures.webp(dir), await fixtures.pngWithAlpha(dir)];
  for (const file of files) assert.equal((await uploadToAlbum(album, file)).status, 200);
  const images = await waitForImages(server, tenant.token, 'on-s3', files.length);
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(server.url + path, { headers: { Authorization: `Token token="${tenant.token}"`, ...headers } });
    return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
  };

  const gps = images.find((i) => i.filename === 'gps.jpg')!;
  const whole = readFileSync(files[0]!);
  const part = await get(`/api/v1/images/${gps.id}/download`, { Range: 'bytes=10-2009' });
  assert.equal(part.status, 206);
  assert.deepEqual(part.body, whole.subarray(10, 2010));

  const zip = await get('/api/v1/albums/on-s3/download.zip');
  assert.equal(zip.status, 200);
  assert.equal(Number(zip.headers.get('content-length')), zip.body.length);
  const path = join(dir, 'on-s3.zip');
  writeFileSync(path, zip.body);
  assert.match(execFileSync('unzip', ['-t', path]).toString(), /No errors detected/);
  for (const file of files) assert.deepEqual(execFileSync('unzip', ['-p', path, basename(file)]), readFileSync(file), basename(file));

  const half = Math.floor(zip.body.length / 2);
  const rest = await get('/api/v1/albums/on-s3/download.zip', { Range: `bytes=${half}-`, 'If-Range': zip.headers.get('etag')! });
  assert.equal(rest.status, 206);
  assert.deepEqual(Buffer.concat([zip.body.subarray(0, half), rest.body]), zip.body);
});
