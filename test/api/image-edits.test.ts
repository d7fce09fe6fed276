/**
 * One image as SharinPix users edit it, through HTTP: `GET`/`PUT /api/v1/images/:id`. Each
 * kind of field asks its own ability; rotation and crop are edits that every derivative
 * renders (decoded here with sharp), while the original stays as uploaded.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import * as fixtures from '../fixtures/images.ts';
import { snapshot } from '../helpers/album-ops.ts';
import { call, newTenant, startTestServer, tempDir, type Tenant, type TestServer, tokenWith } from '../helpers/server.ts';
import { createAlbum, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';

interface Image {
  id: string;
  width: number;
  height: number;
  original_width: number;
  original_height: number;
  rotation: number;
  crop_x: number | null;
  crop_w: number | null;
  title: string | null;
  description: string | null;
  metadatas: Record<string, unknown>;
  original_url: string;
  thumbnails: Record<'original' | 'full' | 'large' | 'mini', string>;
}

let server: TestServer;
let tenant: Tenant;
let albumId: string;
let image: Image;

before(async () => {
  server = await startTestServer();
  tenant = await newTenant(server);
  const album = await createAlbum(server, tenant.token);
  albumId = album.id;
  const upload = await uploadToAlbum(album, await fixtures.jpegWithGps(tempDir('edits')));
  assert.equal(upload.status, 200);
  image = (await waitForImages(server, tenant.token, album.id, 1))[0] as Image;
});
after(() => server.stop());

const put = (body: unknown, token = tenant.token, form = false) =>
  call<Image & { error?: { message: string } }>(server, 'PUT', `/api/v1/images/${image.id}`, form ? { token, form: body as string } : { token, json: body });

const decodedSize = async (url: string) => {
  const response = await fetch(url);
  assert.equal(response.status, 200, url);
  const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
  return [meta.width, meta.height];
};

const withAccess = (...abilities: string[]) =>
  tokenWith(server, tenant.userId, { [albumId]: { Access: Object.fromEntries(['see', 'image_list', ...abilities].map((a) => [a, true])) } });

describe('GET /images/:id', () => {
  test('answers the image to a token that sees its album; 403 without see; 404 to another organization', async () => {
    const got = await call<Image>(server, 'GET', `/api/v1/images/${image.id}`, { token: await withAccess() });
    assert.equal(got.status, 200);
    assert.equal(got.body.id, image.id);
    const blind = await tokenWith(server, tenant.userId, { [albumId]: { Access: { image_list: true } } });
    assert.equal((await call(server, 'GET', `/api/v1/images/${image.id}`, { token: blind })).status, 403);
    const other = await newTenant(server);
    assert.equal((await call(server, 'GET', `/api/v1/images/${image.id}`, { token: other.token })).status, 404);
  });
});

describe('PUT /images/:id', () => {
  test('each missing ability is 403 and changes nothing', async () => {
    const cases: Array<[string, unknown, string[]]> = [
      ['title', { image: { title: 'x' } }, ['image_rotate', 'image_crop']],
      ['description', { image: { description: 'x' } }, ['image_rotate']],
      ['metadatas', { image: { metadatas: { a: 1 } } }, ['image_crop']],
      ['rotation', { image: { rotation: 90 } }, ['image_caption', 'image_crop']],
      ['crop', { image: { crop: { x: 0, y: 0, width: 10, height: 10 } } }, ['image_caption', 'image_rotate']],
      ['caption and rotation together, rotation missing', { image: { title: 'x', rotation: 90 } }, ['image_caption']],
    ];
    for (const [what, body, abilities] of cases) {
      const before = await snapshot(server, tenant.organizationId);
      const res = await put(body, await withAccess(...abilities));
      assert.equal(res.status, 403, `${what}: ${res.text}`);
      assert.deepEqual(await snapshot(server, tenant.organizationId), before, `${what} changed nothing`);
      const now = (await call<Image>(server, 'GET', `/api/v1/images/${image.id}`, { token: tenant.token })).body;
      assert.deepEqual([now.title, now.rotation, now.crop_w, now.metadatas], [image.title, 0, null, {}], what);
    }
  });

  test('title, description and metadatas (merged; null removes a key) with image_caption', async () => {
    const token = await withAccess('image_caption');
    let res = await put({ image: { title: 'Front door', description: 'North side', metadatas: { job: 'J-1', keep: true } } }, token);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual([res.body.title, res.body.description, res.body.metadatas], ['Front door', 'North side', { job: 'J-1', keep: true }]);
    res = await put('image[metadatas]=' + encodeURIComponent(JSON.stringify({ job: null, step: 2 })) + '&image[title]=Back+door', token, true);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.title, 'Back door');
    assert.equal(res.body.description, 'North side', 'a field not given is kept');
    assert.deepEqual(res.body.metadatas, { keep: true, step: 2 });
  });

  test('rotation turns width, height and every derivative; the original keeps its size', async () => {
    const token = await withAccess('image_rotate');
    const res = await put('image[rotation]=90', token, true);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual([res.body.width, res.body.height, res.body.original_width, res.body.original_height], [800, 1200, 1200, 800]);
    assert.deepEqual(await decodedSize(res.body.thumbnails.full), [800, 1200]);
    assert.deepEqual(await decodedSize(res.body.original_url), [1200, 800], 'the original is as uploaded');
    const listed = await call<Image[]>(server, 'GET', `/api/v1/albums/${albumId}/images`, { token: tenant.token });
    assert.equal(listed.body[0]!.thumbnails.full, res.body.thumbnails.full, 'the listing shows the edit too');
    for (const bad of [45, -90, 360]) assert.equal((await put({ image: { rotation: bad } }, token)).status, 400, `rotation ${bad}`);
    assert.equal((await put({ image: { rotation: 0 } }, token)).body.width, 1200);
  });

  test('crop keeps a rectangle of the upright original; rotation turns what it kept; derivatives follow', async () => {
    const token = await withAccess('image_crop', 'image_rotate');
    let res = await put({ image: { crop: { x: 100, y: 50, width: 600, height: 400 } } }, token);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual([res.body.width, res.body.height], [600, 400]);
    assert.deepEqual(await decodedSize(res.body.thumbnails.full), [600, 400]);
    assert.deepEqual(await decodedSize(res.body.thumbnails.large), [200, 200]);
    res = await put({ image: { rotation: 270 } }, token);
    assert.deepEqual([res.body.width, res.body.height], [400, 600]);
    assert.deepEqual(await decodedSize(res.body.thumbnails.full), [400, 600]);
    for (const bad of [
      { x: 1000, y: 0, width: 300, height: 10 },
      { x: 0, y: 0, width: 0, height: 10 },
      { x: -1, y: 0, width: 10, height: 10 },
      { x: 0.5, y: 0, width: 10, height: 10 },
    ]) {
      assert.equal((await put({ image: { crop: bad } }, token)).status, 400, JSON.stringify(bad));
    }
    res = await put({ image: { crop: null, rotation: 0 } }, token);
    assert.deepEqual([res.body.width, res.body.height, res.body.crop_x], [1200, 800, null]);
    assert.deepEqual(await decodedSize(res.body.thumbnails.full), [1200, 800]);
  });

  test('an empty edit is 400; a trashed or unknown image is 404', async () => {
    assert.equal((await put({ image: {} })).status, 400);
    assert.equal((await call(server, 'PUT', '/api/v1/images/00000000-0000-4000-8000-000000000000', { token: tenant.token, json: { image: { title: 'x' } } })).status, 404);
  });
});
