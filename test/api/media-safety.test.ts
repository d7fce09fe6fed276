/**
 * What the embedded host never serves or lets a browser misread: SVG images are refused at
 * upload with a clear 400; an SVG uploaded as a raw file (or `auto`) is kept as is but only
 * ever delivered as a download; every delivery answer carries nosniff, with a sandboxing CSP
 * on whatever is not a raster image.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { v2 as cloudinary } from 'cloudinary';
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

  test('an SVG uploaded as raw or auto is kept as is, and only ever delivered as a sandboxed download', async () => {
    const { apiKey, apiSecret, cloudName } = server.config.cloudinary;
    for (const resourceType of ['raw', 'auto']) {
      const params = { public_id: `drawing-${resourceType}.svg`, timestamp: String(Math.floor(Date.now() / 1000)) };
      const form = new FormData();
      for (const [key, value] of Object.entries({ ...params, api_key: apiKey, signature: cloudinary.utils.api_sign_request(params, apiSecret) })) {
        form.append(key, value);
      }
      form.append('file', new Blob([new Uint8Array(SVG)], { type: 'image/svg+xml' }), 'drawing.svg');
      const uploaded = await fetch(`${server.url}/v1_1/${cloudName}/${resourceType}/upload`, { method: 'POST', body: form });
      const body = (await uploaded.json()) as { resource_type: string; secure_url: string };
      assert.equal(uploaded.status, 200, JSON.stringify(body));
      assert.equal(body.resource_type, 'raw');
      const named = body.secure_url.replace('/raw/upload/', '/raw/upload/fl_attachment:logo/');
      for (const [address, filename] of [[body.secure_url, params.public_id], [named, 'logo']] as const) {
        const response = await fetch(address);
        assert.equal(response.status, 200, address);
        assert.equal(response.headers.get('content-type'), 'application/octet-stream');
        assert.equal(response.headers.get('content-disposition'), `attachment; filename="${filename}"`);
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(response.headers.get('content-security-policy'), NOT_IMAGE_CSP);
        assert.ok(Buffer.from(await response.arrayBuffer()).equals(SVG), 'the bytes as uploaded');
      }
    }
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
