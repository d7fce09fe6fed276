import { test } from 'node:test';
import assert from 'node:assert/strict';
import { v2 as cloudinary } from 'cloudinary';
import {
  buildDeliveryUrl,
  DeliveryUrlError,
  parseDeliveryPath,
  verifyDeliverySignature,
  type TransformationComponent,
} from './delivery-url.ts';

const SECRET = 'test-secret';

test('parses signature, chained transformations, version and a foldered public id', () => {
  assert.deepEqual(
    parseDeliveryPath('/demo/image/authenticated/s--WNvt_HgX--/c_fill,g_auto,h_200,w_200/a_90/v123/albums/a1/p.jpg?_a=BAMAROfk0'),
    {
      cloud: 'demo',
      resourceType: 'image',
      type: 'authenticated',
      signature: 'WNvt_HgX',
      transformation: 'c_fill,g_auto,h_200,w_200/a_90',
      version: 123,
      publicId: 'albums/a1/p',
      ext: 'jpg',
    },
  );
});

test('parses the minimal forms', () => {
  const bare = parseDeliveryPath('/demo/image/upload/sample.png');
  assert.equal(bare.signature, null);
  assert.equal(bare.transformation, '');
  assert.equal(bare.version, null);
  assert.equal(bare.publicId, 'sample');
  assert.equal(bare.ext, 'png');
  // A signature may itself start or end with dashes.
  assert.equal(parseDeliveryPath('/demo/image/upload/s----SjmNDA--/v5/image.jpg').signature, '--SjmNDA');
  // Only the last dot separates the extension.
  assert.equal(parseDeliveryPath('/demo/image/upload/my.photo.jpeg').publicId, 'my.photo');
});

test('after a version everything is public id, even what looks like a transformation', () => {
  const parsed = parseDeliveryPath('/demo/image/upload/w_100/v1/c_fill/v2/image.jpg');
  assert.equal(parsed.transformation, 'w_100');
  assert.equal(parsed.version, 1);
  assert.equal(parsed.publicId, 'c_fill/v2/image');
});

test('a folder that is not made of known transformation keys is part of the public id', () => {
  const parsed = parseDeliveryPath('/demo/image/upload/c_fit,w_10/my_photos/2024/x.jpg');
  assert.equal(parsed.transformation, 'c_fit,w_10');
  assert.equal(parsed.publicId, 'my_photos/2024/x');
});

test('public ids are percent-decoded', () => {
  assert.equal(parseDeliveryPath('/demo/image/upload/v1/f%C3%A9te/caf%C3%A9%20bar.jpg').publicId, 'féte/café bar');
});

test('malformed paths throw DeliveryUrlError', () => {
  for (const path of [
    '',
    'demo/image/upload/x.jpg',
    '/demo/image/upload',
    '/demo/image/upload/',
    '/demo/image/upload/.jpg',
    '/demo/image/upload/x.',
    '/demo/image/upload//x.jpg',
    '/demo/image/upload/s--short--/x.jpg',
    '/demo/image/upload/s--WNvt_HgX--',
    '/demo/image/upload/w_100/v12/',
    '/demo/image/upload/w_100/v12/folder/.jpg',
    '/demo/pdf/upload/x.jpg',
    '/demo/image/UP/x.jpg',
    '/de mo/image/upload/x.jpg',
    '/demo/image/upload/bad%E0%A4%A.jpg',
    '/demo/image/upload/x.jp-g',
  ]) {
    assert.throws(() => parseDeliveryPath(path), DeliveryUrlError, path);
  }
});

test("Cloudinary's published URL-signature vector verifies", () => {
  const parsed = parseDeliveryPath('/demo/image/upload/s--Ai4Znfl3--/c_crop,h_20,w_10/image.jpg');
  assert.ok(verifyDeliverySignature(parsed, 'b'));
  assert.ok(!verifyDeliverySignature(parsed, 'c'));
  // The version is not signed.
  assert.ok(verifyDeliverySignature(parseDeliveryPath('/demo/image/upload/s--Ai4Znfl3--/c_crop,h_20,w_10/v42/image.jpg'), 'b'));
  assert.ok(!verifyDeliverySignature(parseDeliveryPath('/demo/image/upload/s--Ai4Znfl3--/c_crop,h_20,w_11/image.jpg'), 'b'));
  assert.ok(!verifyDeliverySignature(parseDeliveryPath('/demo/image/upload/c_crop,h_20,w_10/image.jpg'), 'b'));
});

interface SdkCase {
  publicId: string;
  type: string;
  ext: string;
  version?: number;
  sdk: Record<string, unknown>[];
  ours: TransformationComponent[];
}

const CASES: SdkCase[] = [
  {
    publicId: 'sample',
    type: 'authenticated',
    ext: 'jpg',
    version: 123,
    sdk: [{ crop: 'fill', gravity: 'auto', width: 200, height: 200 }],
    ours: [{ w: 200, h: 200, c: 'fill', g: 'auto' }],
  },
  {
    publicId: 'albums/a1/photo',
    type: 'upload',
    ext: 'webp',
    sdk: [{ crop: 'fit', width: 1920 }, { angle: 90 }, { quality: 'auto', fetch_format: 'auto', dpr: 2, flags: 'attachment' }],
    ours: [{ w: 1920, c: 'fit' }, { a: 90 }, { q: 'auto', f: 'auto', fl: 'attachment', dpr: 2 }],
  },
  {
    publicId: 'org-1/album 2/café:x',
    type: 'private',
    ext: 'png',
    version: 1700000000,
    sdk: [{ crop: 'limit', width: 1920, height: 1920 }],
    ours: [{ c: 'limit', h: 1920, w: 1920 }],
  },
  {
    publicId: 'image',
    type: 'upload',
    ext: 'jpg',
    sdk: [{ aspect_ratio: '16:9', crop: 'fill', width: 0.5, dpr: 2 }],
    ours: [{ w: 0.5, ar: '16:9', dpr: 2, c: 'fill' }],
  },
  { publicId: 'folder/c_fill', type: 'upload', ext: 'gif', sdk: [], ours: [] },
  { publicId: 'v2/image', type: 'upload', ext: 'jpg', version: 7, sdk: [], ours: [] },
];

test('buildDeliveryUrl gives exactly the official SDK URL, which parses and verifies', () => {
  for (const c of CASES) {
    const expected = cloudinary.url(c.publicId, {
      cloud_name: 'demo',
      api_secret: SECRET,
      sign_url: true,
      secure: true,
      type: c.type,
      version: c.version,
      format: c.ext,
      transformation: c.sdk,
      urlAnalytics: false,
    });
    const ours = buildDeliveryUrl({
      baseUrl: 'https://res.cloudinary.com/',
      cloud: 'demo',
      type: c.type,
      transformation: c.ours,
      version: c.version,
      publicId: c.publicId,
      ext: c.ext,
      apiSecret: SECRET,
      sign: true,
    });
    assert.equal(ours, expected);

    // What the SDK hands out (analytics query included) must be accepted by our parser.
    const withAnalytics = cloudinary.url(c.publicId, {
      cloud_name: 'demo',
      api_secret: SECRET,
      sign_url: true,
      type: c.type,
      version: c.version,
      format: c.ext,
      transformation: c.sdk,
    });
    const parsed = parseDeliveryPath(new URL(withAnalytics).pathname + new URL(withAnalytics).search);
    assert.equal(parsed.publicId, c.publicId, withAnalytics);
    assert.equal(parsed.type, c.type);
    assert.ok(verifyDeliverySignature(parsed, SECRET), withAnalytics);
    assert.ok(!verifyDeliverySignature(parsed, 'other'));
  }
});

test('like the SDK, a public id starting with a version-like folder gets no forced version', () => {
  // Such a URL reads back as version 2 of `image`: callers must pass the version for these ids.
  const url = buildDeliveryUrl({ baseUrl: 'https://res.cloudinary.com', cloud: 'demo', publicId: 'v2/image', ext: 'jpg' });
  assert.equal(url, cloudinary.url('v2/image', { cloud_name: 'demo', format: 'jpg', secure: true, urlAnalytics: false }));
  assert.equal(parseDeliveryPath(new URL(url).pathname).version, 2);
});

test('buildDeliveryUrl: unsigned, string transformation, embedded host base', () => {
  assert.equal(
    buildDeliveryUrl({ baseUrl: 'http://127.0.0.1:3000', cloud: 'c', transformation: 'c_fill,h_100,w_100', version: 3, publicId: 'p', ext: 'jpg' }),
    'http://127.0.0.1:3000/c/image/upload/c_fill,h_100,w_100/v3/p.jpg',
  );
  assert.equal(buildDeliveryUrl({ baseUrl: '', cloud: 'c', publicId: 'p', ext: 'jpg' }), '/c/image/upload/p.jpg');
  assert.throws(() => buildDeliveryUrl({ baseUrl: 'http://x', cloud: 'c', publicId: 'p', ext: 'jpg', sign: true }));
});

/**
 * Signed URLs exactly as the official SDK's own tests expect them (cloud `test123`, secret
 * `b`): cloudinary/cloudinary_npm `test/unit/url/sign_url_spec.js` (SHA-1, 8 characters,
 * with and without version and transformation, authenticated, a text overlay with an encoded
 * emoji) and `test/unit/cloudinary_spec.js` ("should generate urls with a 32 character
 * signature ...", "... with signature algorithm SHA256 ..."). Each must verify, and no
 * longer verify once a character of the signed part changes.
 */
const SDK_SIGNED_URLS = [
  'https://res.cloudinary.com/test123/image/upload/s--Ai4Znfl3--/c_crop,h_20,w_10/v1234/image.jpg',
  'https://res.cloudinary.com/test123/image/upload/s----SjmNDA--/v1234/image.jpg',
  'https://res.cloudinary.com/test123/image/upload/s--Ai4Znfl3--/c_crop,h_20,w_10/image.jpg',
  'https://res.cloudinary.com/test123/image/authenticated/s--Ai4Znfl3--/c_crop,h_20,w_10/image.jpg',
  'https://res.cloudinary.com/test123/image/authenticated/s--Uqk1a-5W--/co_red,l_text:Times_70_bold:Cool%25F0%259F%2598%258D/image.jpg',
  'http://res.cloudinary.com/test123/image/upload/s--2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf--/sample.jpg',
  'http://res.cloudinary.com/test123/image/upload/s--v2fTPYTu--/sample.jpg',
  'http://res.cloudinary.com/test123/image/upload/s--2hbrSMPO--/sample.jpg',
];

test("the SDK's own signed-URL vectors verify (SHA-1, SHA-256 short and long)", () => {
  for (const url of SDK_SIGNED_URLS) {
    const path = new URL(url).pathname;
    const parsed = parseDeliveryPath(path);
    assert.equal(parsed.cloud, 'test123');
    assert.ok(verifyDeliverySignature(parsed, 'b'), url);
    assert.ok(!verifyDeliverySignature(parsed, 'c'), `${url} with another secret`);
    const tampered = parseDeliveryPath(path.replace(/image\.jpg$|sample\.jpg$/, (m) => `x${m}`));
    assert.ok(!verifyDeliverySignature(tampered, 'b'), `${url} with another public id`);
  }
  // The version is not signed: changing it keeps the signature valid, as on Cloudinary.
  assert.ok(verifyDeliverySignature(parseDeliveryPath('/test123/image/upload/s----SjmNDA--/v99/image.jpg'), 'b'));
});

test('a URL without extension names the stored format; raw ids keep their extension', () => {
  const bare = parseDeliveryPath('/demo/image/upload/c_fill,w_10/v1/folder/photo');
  assert.equal(bare.publicId, 'folder/photo');
  assert.equal(bare.ext, '');
  assert.equal(bare.version, 1);
  const raw = parseDeliveryPath('/demo/raw/upload/v5/docs/report.final.pdf');
  assert.equal(raw.publicId, 'docs/report.final.pdf');
  assert.equal(raw.ext, '');
  const sdk = cloudinary.url('folder/photo', { cloud_name: 'demo', api_secret: SECRET, sign_url: true, urlAnalytics: false, width: 10, crop: 'fill' });
  assert.ok(verifyDeliverySignature(parseDeliveryPath(new URL(sdk).pathname), SECRET), sdk);
  const long = cloudinary.url('folder/photo', { cloud_name: 'demo', api_secret: SECRET, sign_url: true, long_url_signature: true, urlAnalytics: false });
  assert.match(long, /s--[\w-]{32}--/);
  assert.ok(verifyDeliverySignature(parseDeliveryPath(new URL(long).pathname), SECRET), long);
});
