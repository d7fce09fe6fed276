/**
 * Taking photos out over HTTP: one image's original (bytes, name, ranges) or derivative, and
 * album ZIPs checked with the system's `unzip`, whole, by selection, and resumed by Range.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import * as fixtures from '../fixtures/images.ts';
import { call, newTenant, startTestServer, tempDir, type Tenant, type TestServer, tokenWith } from '../helpers/server.ts';
import { createAlbum, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';

let server: TestServer;
let tenant: Tenant;
const dir = tempDir('downloads');
/** The uploaded files by image id. */
const originals = new Map<string, { path: string; name: string }>();
let imageIds: string[] = [];
const ALBUM = 'Été 2021';

before(async () => {
  server = await startTestServer();
  tenant = await newTenant(server);
  const album = await createAlbum(server, tenant.token, ALBUM);
  const gps = await fixtures.jpegWithGps(dir);
  const named = join(dir, 'Plage à Nice.jpg');
  copyFileSync(await fixtures.rotatedJpeg(dir), named);
  // The same name twice: the ZIP must number the second.
  const again = join(tempDir('downloads-again'), 'gps.jpg');
  await sharp(gps).modulate({ brightness: 0.8 }).jpeg().toFile(again);
  for (const path of [gps, named, again, await fixtures.webp(dir)]) {
    const res = await uploadToAlbum(album, path);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    originals.set(String(res.body.public_id), { path, name: path.slice(path.lastIndexOf('/') + 1) });
  }
  const images = await waitForImages(server, tenant.token, encodeURIComponent(ALBUM), 4);
  for (const image of images) originals.set(image.id, originals.get(image.public_id)!);
  imageIds = images.map((i) => i.id as string);
});
after(() => server?.stop());

async function get(path: string, token: string, headers: Record<string, string> = {}) {
  const response = await fetch(server.url + path, { headers: { Authorization: `Token token="${token}"`, ...headers } });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

test('an image downloads as its original bytes, named after the uploaded file (RFC 6266)', async () => {
  for (const id of imageIds) {
    const res = await get(`/api/v1/images/${id}/download`, tenant.token);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, readFileSync(originals.get(id)!.path));
    assert.equal(res.headers.get('content-length'), String(res.body.length));
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
  }
  const accented = imageIds.find((id) => originals.get(id)!.name === 'Plage à Nice.jpg')!;
  const res = await get(`/api/v1/images/${accented}/download`, tenant.token);
  assert.equal(res.headers.get('content-disposition'), `attachment; filename="Plage _ Nice.jpg"; filename*=UTF-8''Plage%20%C3%A0%20Nice.jpg`);
  assert.equal(res.headers.get('content-type'), 'image/jpeg');
});

test('Range and If-Range on an original', async () => {
  const id = imageIds[0]!;
  const whole = readFileSync(originals.get(id)!.path);
  const first = await get(`/api/v1/images/${id}/download`, tenant.token, { Range: 'bytes=0-99' });
  assert.equal(first.status, 206);
  assert.equal(first.headers.get('content-range'), `bytes 0-99/${whole.length}`);
  assert.deepEqual(first.body, whole.subarray(0, 100));
  const etag = first.headers.get('etag')!;
  const rest = await get(`/api/v1/images/${id}/download`, tenant.token, { Range: 'bytes=100-', 'If-Range': etag });
  assert.equal(rest.status, 206);
  assert.deepEqual(Buffer.concat([first.body, rest.body]), whole);
  const suffix = await get(`/api/v1/images/${id}/download`, tenant.token, { Range: 'bytes=-10' });
  assert.deepEqual(suffix.body, whole.subarray(whole.length - 10));
  const stale = await get(`/api/v1/images/${id}/download`, tenant.token, { Range: 'bytes=100-', 'If-Range': '"other"' });
  assert.equal(stale.status, 200, 'another version: the whole file');
  assert.deepEqual(stale.body, whole);
  const beyond = await get(`/api/v1/images/${id}/download`, tenant.token, { Range: `bytes=${whole.length}-` });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get('content-range'), `bytes */${whole.length}`);
});

test('size=large gives the 200×200 derivative, named for it', async () => {
  const id = imageIds.find((i) => originals.get(i)!.name === 'gps.jpg')!;
  const res = await get(`/api/v1/images/${id}/download?size=large`, tenant.token);
  assert.equal(res.status, 200);
  const meta = await sharp(res.body).metadata();
  assert.deepEqual([meta.width, meta.height], [200, 200]);
  assert.equal(res.headers.get('content-disposition'), 'attachment; filename="gps_large.jpg"');
  const bad = await call(server, 'GET', `/api/v1/images/${id}/download?size=huge`, { token: tenant.token });
  assert.equal(bad.status, 400);
});

function unzip(zip: Buffer, name: string): { list: string[]; file: (entry: string) => Buffer } {
  const path = join(tempDir('downloads-zip'), name);
  writeFileSync(path, zip);
  assert.match(execFileSync('unzip', ['-t', path]).toString(), /No errors detected in compressed data/);
  const list = execFileSync('unzip', ['-Z1', path]).toString().trim().split('\n');
  return { list, file: (entry) => execFileSync('unzip', ['-p', path, entry], { maxBuffer: 1 << 26 }) };
}

test("the album's ZIP holds every original under a unique safe name, with the exact Content-Length", async () => {
  const res = await get(`/api/v1/albums/${encodeURIComponent(ALBUM)}/download.zip`, tenant.token);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/zip');
  assert.equal(res.headers.get('content-length'), String(res.body.length));
  assert.match(res.headers.get('content-disposition')!, /filename\*=UTF-8''%C3%89t%C3%A9%202021\.zip$/);
  const zip = unzip(res.body, 'album.zip');
  assert.deepEqual([...zip.list].sort(), ['Plage à Nice.jpg', 'gps (2).jpg', 'gps.jpg', 'photo.webp'].sort());
  const images = await waitForImages(server, tenant.token, encodeURIComponent(ALBUM), 4);
  for (const image of images) {
    const { path, name } = originals.get(image.id as string)!;
    const candidates = name === 'gps.jpg' ? ['gps.jpg', 'gps (2).jpg'] : [name];
    assert.ok(candidates.some((entry) => zip.file(entry).equals(readFileSync(path))), `${name} is in the ZIP byte for byte`);
  }
});

test('a selection: only the chosen images; one not in the album is 404', async () => {
  const chosen = imageIds.slice(0, 2);
  const query = chosen.map((id) => `image_ids[]=${id}`).join('&');
  const res = await get(`/api/v1/albums/${encodeURIComponent(ALBUM)}/download.zip?${query}`, tenant.token);
  assert.equal(res.status, 200);
  const zip = unzip(res.body, 'selection.zip');
  assert.equal(zip.list.length, 2);
  const other = await createAlbum(server, tenant.token, 'other');
  assert.ok(other);
  const missing = await call(server, 'GET', `/api/v1/albums/other/download.zip?image_ids[]=${imageIds[0]}`, { token: tenant.token });
  assert.equal(missing.status, 404);
});

test('HEAD tells the length and ranges without a body', async () => {
  const path = `/api/v1/albums/${encodeURIComponent(ALBUM)}/download.zip`;
  const whole = await get(path, tenant.token);
  const head = await fetch(server.url + path, { method: 'HEAD', headers: { Authorization: `Token token="${tenant.token}"` } });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(whole.body.length));
  assert.equal(head.headers.get('etag'), whole.headers.get('etag'));
  assert.equal(head.headers.get('accept-ranges'), 'bytes');
});

test('a ZIP cut half way and resumed with Range (If-Range) gives the same bytes', async () => {
  const path = `/api/v1/albums/${encodeURIComponent(ALBUM)}/download.zip`;
  const whole = await get(path, tenant.token);
  const half = Math.floor(whole.body.length / 2);
  const first = await get(path, tenant.token, { Range: `bytes=0-${half - 1}` });
  const etag = first.headers.get('etag')!;
  assert.equal(etag, whole.headers.get('etag'));
  const rest = await get(path, tenant.token, { Range: `bytes=${half}-`, 'If-Range': etag });
  assert.equal(rest.status, 206);
  assert.equal(rest.headers.get('content-range'), `bytes ${half}-${whole.body.length - 1}/${whole.body.length}`);
  assert.deepEqual(Buffer.concat([first.body, rest.body]), whole.body);
});

test('edited=true: an edited image is in the ZIP as edited, at full size; the others as uploaded', async () => {
  const plage = imageIds.find((id) => originals.get(id)!.name === 'Plage à Nice.jpg')!;
  const edit = await call(server, 'PUT', `/api/v1/images/${plage}`, { token: tenant.token, json: { image: { rotation: 90 } } });
  assert.equal(edit.status, 200, edit.text);
  const path = `/api/v1/albums/${encodeURIComponent(ALBUM)}/download.zip`;
  const plain = unzip((await get(path, tenant.token)).body, 'plain.zip');
  assert.ok(plain.file('Plage à Nice.jpg').equals(readFileSync(originals.get(plage)!.path)), 'without the option: the original');
  const first = await get(`${path}?edited=true`, tenant.token);
  assert.equal(first.status, 200);
  assert.equal(Number(first.headers.get('content-length')), first.body.length);
  const edited = unzip(first.body, 'edited.zip');
  const meta = await sharp(edited.file('Plage à Nice.jpg')).metadata();
  assert.deepEqual([meta.width, meta.height], [600, 400], 'the 400×600 photo turned a quarter');
  const webp = imageIds.find((id) => originals.get(id)!.name === 'photo.webp')!;
  assert.ok(edited.file('photo.webp').equals(readFileSync(originals.get(webp)!.path)), 'an unedited image as uploaded');
  // Built again (renditions from the host's cache): the same bytes, so ranges resume.
  const again = await get(`${path}?edited=true`, tenant.token, { Range: `bytes=${first.body.length - 1000}-`, 'If-Range': first.headers.get('etag')! });
  assert.equal(again.status, 206);
  assert.deepEqual(again.body, first.body.subarray(first.body.length - 1000));
  await call(server, 'PUT', `/api/v1/images/${plage}`, { token: tenant.token, json: { image: { rotation: 0 } } });
});

test('without image_download: 403; another organization: 404', async () => {
  const denied = await tokenWith(server, tenant.userId, { [ALBUM]: { Access: { see: true, image_list: true, image_download: false } } });
  const elsewhere = await tokenWith(server, tenant.userId, { other: { Access: { image_download: true } } });
  const allowed = await tokenWith(server, tenant.userId, { [ALBUM]: { Access: { image_download: true } } });
  const foreign = (await newTenant(server)).token;
  const paths = [`/api/v1/images/${imageIds[0]}/download`, `/api/v1/albums/${encodeURIComponent(ALBUM)}/download.zip`];
  for (const path of paths) {
    assert.equal((await call(server, 'GET', path, { token: denied })).status, 403, path);
    assert.equal((await call(server, 'GET', path, { token: elsewhere })).status, 403, path);
    assert.equal((await call(server, 'GET', path, { token: foreign })).status, 404, path);
    assert.equal((await get(path, allowed)).status, 200, path);
  }
});
