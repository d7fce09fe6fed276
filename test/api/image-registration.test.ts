/**
 * `POST /api/v1/albums/:id/images`, SharinPix's client-side registration of an upload: only
 * an answer the host signed, of this service's media account, for an original it holds, is
 * recorded; and the notification and the registration of one upload make one image, in
 * either order. The in-process worker is off (WORKERS=0), so the host's own notification
 * stays queued and each test sends it (signed, as the host would) when it wants it to land.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fixtures from '../fixtures/images.ts';
import { notify } from '../helpers/album-ops.ts';
import { call, newTenant, startTestServer, tempDir, type Tenant, type TestServer, tokenWith } from '../helpers/server.ts';
import { type AlbumJson, createAlbum, uploadToAlbum } from '../helpers/uploads.ts';

let server: TestServer;
let tenant: Tenant;
let photo: string;

before(async () => {
  server = await startTestServer({ WORKERS: '0' });
  tenant = await newTenant(server);
  photo = await fixtures.jpegWithGps(tempDir('registration'));
});
after(() => server.stop());

const sign = (publicId: string, version: number, secret: string) =>
  createHash('sha1').update(`public_id=${publicId}&version=${version}${secret}`).digest('hex');

/** Uploads the photo through a new album's form: the album and the host's answer. */
async function uploaded(): Promise<{ album: AlbumJson; answer: Record<string, unknown> }> {
  const album = await createAlbum(server, tenant.token);
  const upload = await uploadToAlbum(album, photo);
  assert.equal(upload.status, 200, JSON.stringify(upload.body));
  return { album, answer: upload.body };
}

const register = (albumId: string, body: unknown, token = tenant.token) =>
  call<Record<string, unknown> & { error?: { message: string } }>(server, 'POST', `/api/v1/albums/${albumId}/images`, { token, json: body });

const imagesIn = async (albumId: string) =>
  (await call<Array<Record<string, unknown>>>(server, 'GET', `/api/v1/albums/${albumId}/images`, { token: tenant.token })).body;

test('the host answer registers one image, with its metadatas; a repeat answers the same image', async () => {
  const { album, answer } = await uploaded();
  const first = await register(album.id, { cloudinary: answer, album_id: album.id, metadatas: { source: 'crm', n: 1 } });
  assert.equal(first.status, 200, first.text);
  assert.equal(first.body.public_id, answer.public_id);
  assert.deepEqual(first.body.metadatas, { source: 'crm', n: 1 });
  assert.equal(first.body.width, 1200);
  const again = await register(album.id, { cloudinary: answer });
  assert.equal(again.status, 200);
  assert.equal(again.body.id, first.body.id);
  assert.equal((await imagesIn(album.id)).length, 1);
  const got = await call<{ images_count: number }>(server, 'GET', `/api/v1/albums/${album.id}`, { token: tenant.token });
  assert.equal(got.body.images_count, 1);
});

test('an answer given as its JSON text in a form field registers too', async () => {
  const { album, answer } = await uploaded();
  const res = await call<Record<string, unknown>>(server, 'POST', `/api/v1/albums/${album.id}/images`, {
    token: tenant.token,
    form: { cloudinary: JSON.stringify(answer), metadatas: JSON.stringify({ from: 'form' }) },
  });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.metadatas, { from: 'form' });
});

test('forged, foreign and never-stored answers are refused and create nothing', async () => {
  const { album, answer } = await uploaded();
  const { apiSecret } = server.config.cloudinary;
  const version = Number(answer.version);
  const cases: Array<[string, Record<string, unknown>]> = [
    ['a forged signature', { ...answer, signature: 'f'.repeat(40) }],
    ['a signature of another public_id', { ...answer, public_id: 'someone-else', signature: answer.signature }],
    ['an answer signed by another account', { ...answer, signature: sign(String(answer.public_id), version, 'another-secret') }],
    ['an answer of another api key', { ...answer, api_key: '999999999999999' }],
    ['a public_id the host never stored', { ...answer, public_id: 'never-stored', signature: sign('never-stored', version, apiSecret) }],
    ['a version the host never stored', { ...answer, version: version + 1, signature: sign(String(answer.public_id), version + 1, apiSecret) }],
  ];
  for (const [what, cloudinary] of cases) {
    const res = await register(album.id, { cloudinary });
    assert.equal(res.status, 422, `${what}: ${res.text}`);
    assert.equal(typeof res.body.error?.message, 'string');
  }
  for (const [what, body] of [
    ['no answer', {}],
    ['an answer that is not JSON', { cloudinary: 'not json' }],
    ['an answer without a signature', { cloudinary: { public_id: answer.public_id, version } }],
    ['metadatas that are not an object', { cloudinary: answer, metadatas: '[1]' }],
  ] as const) {
    const res = await register(album.id, body);
    assert.equal(res.status, 400, `${what}: ${res.text}`);
  }
  assert.equal((await imagesIn(album.id)).length, 0);
  const got = await call<{ images_count: number }>(server, 'GET', `/api/v1/albums/${album.id}`, { token: tenant.token });
  assert.equal(got.body.images_count, 0);
});

test("registration needs image_upload on the album, and never reaches another organization's album", async () => {
  const { album, answer } = await uploaded();
  const seeOnly = await tokenWith(server, tenant.userId, { [album.id]: { Access: { see: true, image_list: true } } });
  assert.equal((await register(album.id, { cloudinary: answer }, seeOnly)).status, 403);
  // The same album id in another organization is that organization's own album (opened on
  // first use, as a GET would): the first tenant's album does not change.
  const other = await newTenant(server);
  const theirs = await register(album.id, { cloudinary: answer }, other.token);
  assert.equal(theirs.status, 200, theirs.text);
  const theirAlbum = await call<{ organization_id: string; images_count: number }>(server, 'GET', `/api/v1/albums/${album.id}`, { token: other.token });
  assert.equal(theirAlbum.body.organization_id, other.organizationId);
  assert.equal(theirAlbum.body.images_count, 1);
  assert.equal((await imagesIn(album.id)).length, 0);
});

test('notification first, then registration: one image, the registration adds its metadatas', async () => {
  const { album, answer } = await uploaded();
  await notify(server, album, String(answer.public_id), { ...answer });
  const res = await register(album.id, { cloudinary: answer, metadatas: { late: true } });
  assert.equal(res.status, 200, res.text);
  const images = await imagesIn(album.id);
  assert.equal(images.length, 1);
  assert.equal(images[0]!.id, res.body.id);
  assert.deepEqual(images[0]!.metadatas, { late: true });
});

test('registration first, then notification: one image, the notification is a duplicate', async () => {
  const { album, answer } = await uploaded();
  const res = await register(album.id, { cloudinary: answer, metadatas: { early: true } });
  assert.equal(res.status, 200, res.text);
  await notify(server, album, String(answer.public_id), { ...answer });
  const images = await imagesIn(album.id);
  assert.equal(images.length, 1);
  assert.equal(images[0]!.id, res.body.id);
  assert.deepEqual(images[0]!.metadatas, { early: true });
  const got = await call<{ images_count: number }>(server, 'GET', `/api/v1/albums/${album.id}`, { token: tenant.token });
  assert.equal(got.body.images_count, 1);
});

test('GET of an album id not used yet opens it for a token with image_upload on it, and only then', async () => {
  const uploader = await tokenWith(server, tenant.userId, { 'opened-on-use': { Access: { see: true, image_upload: true } } });
  const viewer = await tokenWith(server, tenant.userId, { 'never-opened': { Access: { see: true, image_list: true } } });
  const opened = await call<{ id: string; upload_form: unknown }>(server, 'GET', '/api/v1/albums/opened-on-use', { token: uploader });
  assert.equal(opened.status, 200, opened.text);
  assert.equal(opened.body.id, 'opened-on-use');
  assert.ok(opened.body.upload_form);
  const again = await call(server, 'GET', '/api/v1/albums/opened-on-use', { token: uploader });
  assert.equal(again.status, 200);
  assert.equal((await call(server, 'GET', '/api/v1/albums/never-opened', { token: viewer })).status, 404);
  const list = await call<Array<{ id: string }>>(server, 'GET', '/api/v1/albums?per_page=500', { token: tenant.token });
  assert.ok(list.body.some((a) => a.id === 'opened-on-use'));
  assert.ok(!list.body.some((a) => a.id === 'never-opened'), 'a 404 creates nothing');
  // Another organization's token opening the same id gets an album of its own.
  const other = await newTenant(server);
  const theirs = await call<{ organization_id: string }>(server, 'GET', '/api/v1/albums/opened-on-use', { token: other.token });
  assert.equal(theirs.body.organization_id, other.organizationId);
});

test("PUT /albums/:id?merge=true with a JSON body merges, as SharinPix's CLI moves albums", async () => {
  const source = await createAlbum(server, tenant.token);
  const destination = await createAlbum(server, tenant.token);
  await notify(server, source, 'cli-move-1');
  await notify(server, destination, 'cli-move-2');
  const res = await call<{ id: string; images_count: number }>(server, 'PUT', `/api/v1/albums/${source.id}?merge=true`, {
    token: tenant.token,
    json: { album: { public_id: destination.id } },
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.id, destination.id);
  assert.equal(res.body.images_count, 2);
  const list = await call<Array<{ id: string }>>(server, 'GET', '/api/v1/albums?per_page=500', { token: tenant.token });
  assert.ok(!list.body.some((a) => a.id === source.id), 'the source is gone');
});

test("the Apex client's calls: GET the album, its hand-built multipart post, then the answer's raw text wrapped in JSON", async () => {
  // SharinPix/apex Demo-Attachment/src/classes/Client.cls, upload_image_to_album, byte for byte.
  const secret = await server.services.accounts.createSecretFor(tenant.organizationId, 'apex');
  const albumId = 'apex-record-001';
  const token = await server.services.signer.sign(
    { abilities: { [albumId]: { Access: { see: true, image_upload: true } } }, iss: secret.id },
    decodeURIComponent(new URL(secret.url).password),
  );
  const headers = { Authorization: `Token token="${token}"`, 'Content-Type': 'application/json' };
  const got = await fetch(`${server.url}/api/v1/albums/${albumId}`, { headers });
  assert.equal(got.status, 200);
  assert.equal(got.statusText, 'OK', 'Apex compares getStatus() with "OK"');
  const album = (await got.json()) as AlbumJson;

  const boundary = '----------------------------741e90d31eff';
  let header = '';
  for (const [name, value] of Object.entries(album.upload_form.params)) {
    header += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  header += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\nContent-Type: application/octet-stream`;
  while (Buffer.from(`${header}\r\n\r\n`).toString('base64').endsWith('=')) header += ' ';
  const { readFile } = await import('node:fs/promises');
  const body = Buffer.concat([Buffer.from(`${header}\r\n\r\n`), await readFile(photo), Buffer.from(`\r\n--${boundary}--`)]);
  const upload = await fetch(album.upload_form.url, {
    method: 'POST',
    headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'X-Requested-With': 'XMLHttpRequest' },
    body,
  });
  const cloudinary = await upload.text();
  assert.equal(upload.status, 200, cloudinary);

  const registered = await fetch(`${server.url}/api/v1/albums/${albumId}/images`, { method: 'POST', headers, body: `{"cloudinary":${cloudinary}}` });
  assert.equal(registered.status, 200, await registered.clone().text());
  assert.equal(registered.statusText, 'OK');
  assert.equal(((await registered.json()) as { album_id: string }).album_id, albumId);
  assert.equal((await imagesIn(albumId)).length, 1);
});
