/**
 * `POST /images/:id/duplicate`: a second image of the picture in the same album, with its own
 * stored original (same bytes), the source's caption, metadata, tags and edits; the count,
 * thumbnails and webhook follow; without `image_duplicate` 403 and nothing changed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as fixtures from '../fixtures/images.ts';
import { snapshot } from '../helpers/album-ops.ts';
import { call, newTenant, startTestServer, storedOriginals, tempDir, type TestServer, tokenWith } from '../helpers/server.ts';
import { createAlbum, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';

let server: TestServer;

before(async () => {
  // The webhook receiver listens on this machine.
  server = await startTestServer({ WEBHOOK_ALLOW_PRIVATE: '1' });
});
after(() => server.stop());

interface ImageJson {
  id: string;
  public_id: string;
  album_id: string;
  title: string | null;
  tags: Array<{ name: string; labels: Record<string, string> }>;
  rotation: number;
  filename: string | null;
  size: number;
}

test('a duplicate is a new image with its own original, the same bytes, and the source edits', async () => {
  const tenant = await newTenant(server);
  await call(server, 'PUT', '/api/v1/organization', { token: tenant.token, json: { webhook_url: 'http://127.0.0.1:9/hook' } });
  const album = await createAlbum(server, tenant.token, 'dup');
  const file = await fixtures.jpegWithGps(tempDir('duplicates'));
  assert.equal((await uploadToAlbum(album, file)).status, 200);
  const [source] = (await waitForImages(server, tenant.token, 'dup', 1)) as ImageJson[];
  // Client-set fields, as an edit would leave them.
  await server.db.kysely
    .updateTable('images')
    .set({ title: 'Tower', tags: JSON.stringify([{ name: 'paris', labels: {} }]), rotation: 90 })
    .where('id', '=', source!.id)
    .execute();
  const originals = await storedOriginals(server);

  const res = await call<ImageJson>(server, 'POST', `/api/v1/images/${source!.id}/duplicate`, { token: tenant.token });
  assert.equal(res.status, 200, res.text);
  assert.notEqual(res.body.id, source!.id);
  assert.notEqual(res.body.public_id, source!.public_id);
  assert.deepEqual(
    [res.body.album_id, res.body.title, res.body.tags, res.body.rotation, res.body.filename, res.body.size],
    ['dup', 'Tower', [{ name: 'paris', labels: {} }], 90, 'gps.jpg', source!.size],
  );
  assert.equal(await storedOriginals(server), originals + 1, 'an original of its own');
  const download = await fetch(`${server.url}/api/v1/images/${res.body.id}/download`, { headers: { Authorization: `Token token="${tenant.token}"` } });
  assert.deepEqual(Buffer.from(await download.arrayBuffer()), readFileSync(file), 'the same bytes');

  const got = await call<{ images_count: number; thumbnails: Array<{ id: string }> }>(server, 'GET', '/api/v1/albums/dup', { token: tenant.token });
  assert.equal(got.body.images_count, 2);
  assert.ok(got.body.thumbnails.some((t) => t.id === res.body.id));
  // The host's notification arriving afterwards changes nothing.
  const listed = await waitForImages(server, tenant.token, 'dup', 2);
  assert.equal(listed.length, 2);
  const events = await server.db.kysely
    .selectFrom('webhook_events')
    .select('body')
    .where('organization_id', '=', tenant.organizationId)
    .where('event', '=', 'image.created')
    .execute();
  assert.ok(events.some((e) => JSON.parse(e.body).image.id === res.body.id), 'image.created for the duplicate');
});

test('without image_duplicate: 403, nothing changed; another organization: 404', async () => {
  const tenant = await newTenant(server);
  const album = await createAlbum(server, tenant.token, 'guarded');
  assert.equal((await uploadToAlbum(album, await fixtures.webp(tempDir('duplicates-guarded')))).status, 200);
  const [image] = await waitForImages(server, tenant.token, 'guarded', 1);
  const before = await snapshot(server, tenant.organizationId);
  const originals = await storedOriginals(server);
  const path = `/api/v1/images/${image!.id}/duplicate`;
  const denied = await tokenWith(server, tenant.userId, { guarded: { Access: { see: true, image_list: true, image_upload: true, image_duplicate: false } } });
  const elsewhere = await tokenWith(server, tenant.userId, { other: { Access: { image_duplicate: true } } });
  assert.equal((await call(server, 'POST', path, { token: denied })).status, 403);
  assert.equal((await call(server, 'POST', path, { token: elsewhere })).status, 403);
  assert.equal((await call(server, 'POST', path, { token: (await newTenant(server)).token })).status, 404);
  assert.deepEqual(await snapshot(server, tenant.organizationId), before);
  assert.equal(await storedOriginals(server), originals, 'nothing uploaded');
  const allowed = await tokenWith(server, tenant.userId, { guarded: { Access: { image_duplicate: true } } });
  assert.equal((await call(server, 'POST', path, { token: allowed })).status, 200);
});
