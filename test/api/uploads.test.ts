/**
 * Uploads end to end over real HTTP: the album's signed form posted to the embedded host,
 * analysis with real image code, the signed notification, the image in the album.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signNotification, signUploadParams } from '../../src/media/signing.ts';
import { hammingDistance } from '../../src/media/analysis/analyze-image.ts';
import * as fixtures from '../fixtures/images.ts';
import { call, newTenant, startTestServer, storedOriginals, tempDir, type Tenant, type TestServer } from '../helpers/server.ts';
import { type AlbumJson, createAlbum, postUpload, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';

let server: TestServer;
let tenant: Tenant;
let dir: string;

before(async () => {
  server = await startTestServer({ MAX_UPLOAD_BYTES: String(3 * 1024 * 1024) });
  tenant = await newTenant(server);
  dir = tempDir('fixtures');
});
after(() => server.stop());

describe('good files land in the album with what analysis found', () => {
  let album: AlbumJson;
  before(async () => {
    album = await createAlbum(server, tenant.token);
  });

  test('a JPEG with EXIF GPS and DateTimeOriginal', async () => {
    const res = await uploadToAlbum(album, await fixtures.jpegWithGps(dir));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.width, 1200);
    assert.equal(res.body.height, 800);
    assert.equal(res.body.format, 'jpg');
    assert.equal(res.body.type, 'authenticated');
    assert.deepEqual(res.body.tags, [album.id]);
    assert.match(String(res.body.phash), /^[0-9a-f]{16}$/);
    assert.match(String(res.body.etag), /^[0-9a-f]{32}$/);
    const [image] = await waitForImages(server, tenant.token, album.id, 1);
    assert.equal(image!.public_id, res.body.public_id);
    assert.equal(image!.album_id, album.id);
    assert.equal(image!.width, 1200);
    assert.equal(image!.height, 800);
    assert.equal(image!.format, 'jpg');
    assert.ok(Math.abs(image!.gps[0] - fixtures.GPS_FIXTURE.lat) < 1e-4 && Math.abs(image!.gps[1] - fixtures.GPS_FIXTURE.lng) < 1e-4);
    assert.equal(image!.taken_at, fixtures.GPS_FIXTURE.takenAt);
    assert.equal(image!.exifs.Make, fixtures.GPS_FIXTURE.make);
    assert.match(image!.color, /^#[0-9A-Fa-f]{6}$/);
    assert.equal(image!.size, res.body.bytes);
    assert.equal(image!.filename, 'gps.jpg');
    assert.deepEqual(Object.keys(image!.thumbnails), ['original', 'full', 'large', 'mini']);
    assert.equal(image!.infos.public_id, res.body.public_id);
  });

  test('an EXIF-rotated JPEG reports its upright size', async () => {
    const res = await uploadToAlbum(album, await fixtures.rotatedJpeg(dir));
    assert.equal(res.status, 200);
    assert.equal(res.body.width, 400);
    assert.equal(res.body.height, 600);
  });

  test('a PNG with alpha, a WebP, and a mostly red photo whose colour is red', async () => {
    const png = await uploadToAlbum(album, await fixtures.pngWithAlpha(dir));
    assert.equal(png.status, 200);
    assert.equal(png.body.format, 'png');
    const [pngColor] = (png.body.colors as Array<[string, number]>)[0]!;
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(pngColor.slice(i, i + 2), 16)) as [number, number, number];
    assert.ok(g > r && g > b, `the disc is green, got ${pngColor}`);
    const webp = await uploadToAlbum(album, await fixtures.webp(dir));
    assert.equal(webp.status, 200);
    assert.equal(webp.body.format, 'webp');
    assert.equal(webp.body.width, 640);
    const red = await uploadToAlbum(album, await fixtures.mostlyRedPhoto(dir));
    const [redColor] = (red.body.colors as Array<[string, number]>)[0]!;
    const [rr, rg, rb] = [1, 3, 5].map((i) => parseInt(redColor.slice(i, i + 2), 16)) as [number, number, number];
    assert.ok(rr > rg + 60 && rr > rb + 60, `dominant colour is red, got ${redColor}`);
  });

  test('a near-duplicate has a close perceptual hash; the album counts every image', async () => {
    const original = await fixtures.jpegWithGps(dir);
    const near = await uploadToAlbum(album, await fixtures.nearDuplicate(dir, original));
    assert.equal(near.status, 200);
    const images = await waitForImages(server, tenant.token, album.id, 6);
    const gps = images.find((i) => i.filename === 'gps.jpg')!;
    assert.ok(hammingDistance(gps.phash, String(near.body.phash)) <= 4);
    const webp = images.find((i) => i.format === 'webp')!;
    assert.ok(hammingDistance(gps.phash, webp.phash) > 10);
    const got = await call<{ images_count: number; thumbnails: Array<{ id: string }> }>(server, 'GET', `/api/v1/albums/${album.id}`, {
      token: tenant.token,
    });
    assert.equal(got.body.images_count, 6);
    assert.equal(got.body.thumbnails.length, 4);
    assert.deepEqual(
      got.body.thumbnails.map((t) => t.id),
      images.slice(0, 4).map((i) => i.id),
      'thumbnails are the newest four, newest first',
    );
  });
});

describe('bad files get a 4xx and leave nothing behind', () => {
  const cases: Array<[string, () => Promise<string>, number, RegExp]> = [
    ['a text file', () => fixtures.textFile(dir), 400, /image/i],
    ['an empty file', () => fixtures.emptyFile(dir), 400, /empty/i],
    ['a truncated JPEG', () => fixtures.truncatedJpeg(dir), 400, /truncated|damaged|decod/i],
    ['a pixel bomb', () => fixtures.pixelBomb(dir), 400, /megapixels|pixels/i],
  ];
  for (const [name, make, status, message] of cases) {
    test(name, async () => {
      const album = await createAlbum(server, tenant.token);
      const before = await storedOriginals(server);
      const jobsBefore = await server.jobs.counts();
      const res = await uploadToAlbum(album, await make());
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.match(res.body.error!.message, message);
      assert.equal(await storedOriginals(server), before);
      assert.deepEqual(await server.jobs.counts(), jobsBefore);
      const after = await call<{ images_count: number }>(server, 'GET', `/api/v1/albums/${album.id}`, { token: tenant.token });
      assert.equal(after.body.images_count, 0);
    });
  }

  test('a file over MAX_UPLOAD_BYTES is 413', async () => {
    const album = await createAlbum(server, tenant.token);
    const before = await storedOriginals(server);
    const res = await uploadToAlbum(album, { name: 'big.jpg', data: Buffer.alloc(4 * 1024 * 1024, 1) });
    assert.equal(res.status, 413);
    assert.ok(res.body.error!.message);
    assert.equal(await storedOriginals(server), before);
  });

  test('no file is 400', async () => {
    const album = await createAlbum(server, tenant.token);
    const res = await uploadToAlbum(album, null);
    assert.equal(res.status, 400);
  });
});

describe('the host refuses what Cloudinary refuses', () => {
  test('a wrong signature, a tampered param, an unknown key: 401', async () => {
    const album = await createAlbum(server, tenant.token);
    const file = await fixtures.solidColor(dir, '#336699');
    const params = album.upload_form.params;
    for (const bad of [
      { ...params, signature: '0'.repeat(40) },
      { ...params, tags: 'another-album' },
      { ...params, api_key: '42' },
    ]) {
      const res = await postUpload(album.upload_form.url, bad, file);
      assert.equal(res.status, 401);
      assert.ok(res.body.error!.message);
    }
  });

  test('a stale timestamp (over an hour old) is 401 even when properly signed', async () => {
    const { apiKey, apiSecret } = server.config.cloudinary;
    const signed = { timestamp: Math.floor(Date.now() / 1000) - 3700 };
    const res = await postUpload(
      `${server.url}/v1_1/${server.config.cloudinary.cloudName}/image/upload`,
      { ...signed, api_key: apiKey, signature: signUploadParams(signed, apiSecret) },
      await fixtures.solidColor(dir, '#112233'),
    );
    assert.equal(res.status, 401);
    assert.match(res.body.error!.message, /Stale/);
  });

  test('any properly signed params are accepted: a chosen public_id, SHA-256', async () => {
    const { apiKey, apiSecret } = server.config.cloudinary;
    const signed = { public_id: 'chosen/name', timestamp: Math.floor(Date.now() / 1000) };
    const res = await postUpload(
      `${server.url}/v1_1/${server.config.cloudinary.cloudName}/auto/upload`,
      { ...signed, api_key: apiKey, signature: signUploadParams(signed, apiSecret, 'sha256'), signature_algorithm: 'sha256' },
      await fixtures.solidColor(dir, '#445566'),
    );
    assert.equal(res.status, 401, 'signature_algorithm is itself a signed param');
    const withAlgorithm = { ...signed, signature_algorithm: 'sha256' };
    const ok = await postUpload(
      `${server.url}/v1_1/${server.config.cloudinary.cloudName}/auto/upload`,
      { ...withAlgorithm, api_key: apiKey, signature: signUploadParams(withAlgorithm, apiSecret, 'sha256') },
      await fixtures.solidColor(dir, '#445566'),
    );
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.public_id, 'chosen/name');
    assert.equal(ok.body.type, 'upload');
  });
});

describe('the notification receiver', () => {
  let album: AlbumJson;
  let notificationUrl: string;
  const body = (publicId: string, type = 'upload') =>
    JSON.stringify({ notification_type: type, public_id: publicId, version: 1, width: 10, height: 10, format: 'jpg', bytes: 100 });
  const post = (url: string, payload: string, timestamp = Math.floor(Date.now() / 1000), secret = server.config.cloudinary.apiSecret) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Cld-Timestamp': String(timestamp),
        'X-Cld-Signature': signNotification(payload, timestamp, secret),
      },
      body: payload,
    });

  before(async () => {
    album = await createAlbum(server, tenant.token);
    notificationUrl = String(album.upload_form.params.notification_url);
  });

  const count = async () =>
    (await call<{ images_count: number }>(server, 'GET', `/api/v1/albums/${album.id}`, { token: tenant.token })).body.images_count;

  test('creates the image once; a replay is acknowledged and changes nothing', async () => {
    const first = await post(notificationUrl, body('n1'));
    assert.equal(first.status, 201);
    const replay = await post(notificationUrl, body('n1'));
    assert.equal(replay.status, 201);
    assert.equal(await count(), 1);
  });

  test('an error notification is acknowledged and creates nothing', async () => {
    const res = await post(notificationUrl, JSON.stringify({ notification_type: 'error', error: { message: 'x' } }));
    assert.equal(res.status, 201);
    assert.equal(await count(), 1);
  });

  test('forged (wrong secret), stale, unsigned: denied and nothing created', async () => {
    assert.equal((await post(notificationUrl, body('f1'), undefined, 'not-the-secret')).status, 403);
    assert.equal((await post(notificationUrl, body('f2'), Math.floor(Date.now() / 1000) - 7300)).status, 403);
    const unsigned = await fetch(notificationUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body('f3') });
    assert.equal(unsigned.status, 403);
    assert.equal(await count(), 1);
  });

  test('a bad or missing token: 401 and nothing created', async () => {
    const url = new URL(notificationUrl);
    url.searchParams.set('token', `${url.searchParams.get('token')}x`);
    const res = await post(url.toString(), body('t1'));
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.status, 401);
    assert.equal((await post(`${server.url}/api/v1/cloudinary`, body('t2'))).status, 401);
    assert.equal((await post(`${server.url}/api/v1/cloudinary?token=${tenant.token}`, body('t3'))).status, 401);
    assert.equal(await count(), 1);
  });
});

describe('image listing', () => {
  test('paged, with the total in X-Total-Count; needs image_list', async () => {
    const album = await createAlbum(server, tenant.token);
    for (const color of ['#101010', '#202020', '#303030']) {
      assert.equal((await uploadToAlbum(album, await fixtures.solidColor(dir, color))).status, 200);
    }
    await waitForImages(server, tenant.token, album.id, 3);
    const page = await call<unknown[]>(server, 'GET', `/api/v1/albums/${album.id}/images?per_page=2&page=2`, { token: tenant.token });
    assert.equal(page.body.length, 1);
    assert.equal(page.headers.get('x-total-count'), '3');
    const seeOnly = await server.services.accounts.userToken(tenant.userId, { [album.id]: { Access: { see: true } } });
    assert.equal((await call(server, 'GET', `/api/v1/albums/${album.id}/images`, { token: seeOnly })).status, 403);
  });
});
