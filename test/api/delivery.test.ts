/**
 * Delivery over HTTP from a running server: the image JSON's signed URLs and hand-built ones,
 * with the served bytes decoded to check size, format and orientation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { buildDeliveryUrl } from '../../src/media/delivery/delivery-url.ts';
import * as fixtures from '../fixtures/images.ts';
import { newTenant, startTestServer, tempDir, type TestServer } from '../helpers/server.ts';
import { createAlbum, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';

let server: TestServer;
let rotated: { public_id: string; version: number };
let thumbnails: Record<string, string>;

before(async () => {
  server = await startTestServer();
  const tenant = await newTenant(server);
  const album = await createAlbum(server, tenant.token);
  const res = await uploadToAlbum(album, await fixtures.rotatedJpeg(tempDir('delivery')));
  assert.equal(res.status, 200);
  rotated = { public_id: String(res.body.public_id), version: Number(res.body.version) };
  const [image] = await waitForImages(server, tenant.token, album.id, 1);
  thumbnails = image!.thumbnails;
});
after(() => server.stop());

function url(transformation: string, ext = 'jpg', options: { sign?: boolean; type?: string } = {}): string {
  return buildDeliveryUrl({
    baseUrl: server.url,
    cloud: server.config.cloudinary.cloudName,
    type: options.type ?? 'authenticated',
    transformation,
    version: rotated.version,
    publicId: rotated.public_id,
    ext,
    apiSecret: server.config.cloudinary.apiSecret,
    sign: options.sign ?? true,
  });
}

async function fetchImage(address: string, headers: Record<string, string> = {}) {
  const response = await fetch(address, { headers });
  assert.equal(response.status, 200, `${address}: ${response.status} ${response.status === 200 ? '' : await response.clone().text()}`);
  const body = Buffer.from(await response.arrayBuffer());
  return { response, body, meta: await sharp(body).metadata() };
}

describe('the image JSON names signed derivatives that are served', () => {
  test('mini 100×100, large 200×200, full within 1920, original upright', async () => {
    const mini = await fetchImage(thumbnails.mini!);
    assert.deepEqual([mini.meta.width, mini.meta.height], [100, 100]);
    const large = await fetchImage(thumbnails.large!);
    assert.deepEqual([large.meta.width, large.meta.height], [200, 200]);
    const full = await fetchImage(thumbnails.full!);
    assert.deepEqual([full.meta.width, full.meta.height], [400, 600], 'upright, and never enlarged by c_limit');
    const original = await fetchImage(thumbnails.original!);
    assert.equal(original.meta.format, 'jpeg');
  });
});

describe('transformations decode to the asked size, format and orientation', () => {
  const cases: Array<[string, string, number, number]> = [
    ['c_fit,h_100,w_100', 'jpg', 67, 100],
    ['c_fill,h_50,w_120', 'jpg', 120, 50],
    ['c_limit,h_300,w_300', 'jpg', 200, 300],
    ['c_limit,h_5000,w_5000', 'jpg', 400, 600],
    ['a_90', 'jpg', 600, 400],
    ['c_fill,dpr_2.0,h_50,w_50', 'jpg', 100, 100],
    ['c_scale,w_200', 'png', 200, 300],
  ];
  for (const [transformation, ext, width, height] of cases) {
    test(`${transformation}.${ext} → ${width}×${height}`, async () => {
      const { meta } = await fetchImage(url(transformation, ext));
      assert.equal(meta.width, width);
      assert.equal(meta.height, height);
    });
  }

  test('the EXIF-rotated source comes out upright (red on top)', async () => {
    const { body } = await fetchImage(url('c_fit,h_60,w_40', 'png'));
    const { data, info } = await sharp(body).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    const [topR, , topB] = pixel(20, 5) as [number, number, number];
    const [bottomR, , bottomB] = pixel(20, info.height - 5) as [number, number, number];
    assert.ok(topR > topB && bottomB > bottomR, `top ${pixel(20, 5)} bottom ${pixel(20, info.height - 5)}`);
  });

  test('the extension picks the format', async () => {
    for (const [ext, format] of [
      ['jpg', 'jpeg'],
      ['png', 'png'],
      ['webp', 'webp'],
      ['avif', 'heif'],
    ]) {
      const { meta, response } = await fetchImage(url('c_fit,h_50,w_50', ext!));
      assert.equal(meta.format, format, ext);
      assert.match(response.headers.get('content-type') ?? '', /^image\//);
    }
  });

  test('f_auto: AVIF or WebP by Accept, the extension otherwise, with Vary: Accept', async () => {
    const avif = await fetchImage(url('c_fit,h_50,w_50/f_auto'), { Accept: 'image/avif,image/webp,*/*' });
    assert.equal(avif.meta.format, 'heif');
    assert.match(avif.response.headers.get('vary') ?? '', /Accept/);
    const webp = await fetchImage(url('c_fit,h_50,w_50/f_auto'), { Accept: 'image/webp,*/*' });
    assert.equal(webp.meta.format, 'webp');
    const plain = await fetchImage(url('c_fit,h_50,w_50/f_auto'), { Accept: '*/*' });
    assert.equal(plain.meta.format, 'jpeg');
  });

  test('cached: strong ETag, long max-age, 304 on If-None-Match', async () => {
    const first = await fetchImage(url('c_fill,h_30,w_30'));
    const etag = first.response.headers.get('etag')!;
    assert.match(etag, /^"[^"]+"$/);
    assert.match(first.response.headers.get('cache-control') ?? '', /max-age=\d{6,}/);
    const again = await fetch(url('c_fill,h_30,w_30'), { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
  });
});

describe('refusals', () => {
  test("Cloudinary's published URL-signature vector is accepted by the verifier", async () => {
    const { signDeliveryPath } = await import('../../src/media/signing.ts');
    assert.equal(signDeliveryPath('c_crop,h_20,w_10/image.jpg', 'b'), 'Ai4Znfl3');
  });

  test('tampered, unsigned, and absurd URLs are refused with 400 Invalid url or a 4xx', async () => {
    const tampered = url('c_fill,h_50,w_50').replace('w_50', 'w_51');
    const res = await fetch(tampered);
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { error: { message: 'Invalid url' } });
    assert.equal((await fetch(url('c_fill,h_50,w_50', 'jpg', { sign: false }))).status, 400, 'authenticated needs a signature');
    const huge = await fetch(url('c_scale,w_50000'));
    assert.ok(huge.status >= 400 && huge.status < 500);
    const chain = Array.from({ length: 12 }, () => 'a_90').join('/');
    const long = await fetch(url(chain));
    assert.ok(long.status >= 400 && long.status < 500);
    const otherCloud = (await fetch(url('c_fit,w_10').replace(`/${server.config.cloudinary.cloudName}/`, '/someone-else/'))).status;
    assert.equal(otherCloud, 404);
  });
});
