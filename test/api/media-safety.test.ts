/**
 * What the embedded host never serves or lets a browser misread: SVG uploads are refused at
 * upload with a clear 400 (no SVG is ever stored, so none is ever delivered), and every
 * delivery answer carries nosniff, with a sandboxing CSP on whatever is not a raster image.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fixtures from '../fixtures/images.ts';
import { newTenant, startTestServer, storedOriginals, tempDir, type Tenant, type TestServer } from '../helpers/server.ts';
import { createAlbum, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';
import { NOT_IMAGE_CSP } from '../../src/media/delivery/delivery-headers.ts';

let server: TestServer;
let tenant: Tenant;

before(async () => {
  server = await startTestServer();
  tenant = await newTenant(server);
});
after(() => server.stop());

const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><script>alert(document.domain)</script>' +
    '<rect width="40" height="40" fill="red"/></svg>',
);

describe('SVG', () => {
  test('an SVG upload is refused with a 400 that says so, and nothing is stored', async () => {
    const album = await createAlbum(server, tenant.token);
    const res = await uploadToAlbum(album, { name: 'logo.svg', data: SVG });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.body.error!.message, /SVG images are not accepted/);
    assert.equal(await storedOriginals(server), 0);
  });
});

describe('delivery headers', () => {
  let thumbnails: Record<string, string>;

  before(async () => {
    const album = await createAlbum(server, tenant.token);
    const res = await uploadToAlbum(album, await fixtures.pngWithAlpha(tempDir('media-safety')));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [image] = await waitForImages(server, tenant.token, album.id, 1);
    thumbnails = image!.thumbnails;
  });

  test('an image: nosniff, and no CSP needed', async () => {
    for (const name of ['original', 'mini']) {
      const response = await fetch(thumbnails[name]!);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^image\/png/);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(response.headers.get('content-security-policy'), null);
      await response.arrayBuffer();
    }
  });

  test('anything else (errors): nosniff and the sandboxing CSP', async () => {
    const tampered = thumbnails.mini!.replace(/s--[^/]+--/, 's--AAAAAAAA--');
    const missing = `${server.url}/${server.config.cloudinary.cloudName}/image/upload/v1/nothing-here.jpg`;
    for (const address of [tampered, missing]) {
      const response = await fetch(address);
      assert.ok(response.status >= 400 && response.status < 500, `${address}: ${response.status}`);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(response.headers.get('content-security-policy'), NOT_IMAGE_CSP);
      await response.arrayBuffer();
    }
  });
});
