/**
 * The album operations over HTTP: rename and merge, duplicate, move, delete to the trash,
 * restore, purge, upload batches, the organization's webhook settings. Every refusal is
 * checked to leave the organization's rows exactly as they were.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fixtures from '../fixtures/images.ts';
import { PLAIN_IMAGE } from '../helpers/image-rows.ts';
import {
  albumWithImages,
  assertConsistent,
  countOf,
  imagesOf,
  notify,
  snapshot,
  type ListedImage,
} from '../helpers/album-ops.ts';
import { call, newTenant, startTestServer, storedOriginals, tempDir, type Tenant, type TestServer, tokenWith } from '../helpers/server.ts';
import { type AlbumJson, createAlbum, postUpload, waitForImages } from '../helpers/uploads.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

/** A fresh organization per test keeps snapshots to what the test did. */
async function tenant(): Promise<Tenant> {
  return newTenant(server);
}

/** Runs `refused` and asserts it answered `status` and changed nothing in the organization. */
async function assertRefused(t: Tenant, status: number, refused: () => Promise<{ status: number; text: string }>): Promise<void> {
  const before = await snapshot(server, t.organizationId);
  const res = await refused();
  assert.equal(res.status, status, res.text);
  assert.deepEqual(await snapshot(server, t.organizationId), before, 'a refusal changes nothing');
}

const ids = (images: ListedImage[]) => images.map((i) => i.id).sort();

describe('rename and merge (PUT /albums/:id)', () => {
  test('a rename keeps the images and their ids; album_id follows', async () => {
    const t = await tenant();
    const { album, imageIds } = await albumWithImages(server, t.token, 3);
    const res = await call<AlbumJson & { public_id: string }>(server, 'PUT', `/api/v1/albums/${album.id}`, {
      token: t.token,
      form: { 'album[public_id]': 'renamed' },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.id, 'renamed');
    assert.equal(res.body.public_id, 'renamed');
    assert.equal(res.body.images_count, 3);
    assert.equal(res.body.upload_form.params.tags, 'renamed', 'the form uploads under the new id');
    assert.equal(await countOf(server, t.token, album.id), null, 'the old id is gone');
    const images = await imagesOf(server, t.token, 'renamed');
    assert.deepEqual(ids(images), [...imageIds].sort());
    assert.ok(images.every((i) => i.album_id === 'renamed'));
    assertConsistent(await snapshot(server, t.organizationId));
  });

  test('JSON bodies work as forms do; renaming to the same id changes nothing', async () => {
    const t = await tenant();
    const { album } = await albumWithImages(server, t.token, 1);
    const res = await call<AlbumJson>(server, 'PUT', `/api/v1/albums/${album.id}`, { token: t.token, json: { album: { public_id: 'json-name' } } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.id, 'json-name');
    const same = await call<AlbumJson>(server, 'PUT', '/api/v1/albums/json-name', { token: t.token, json: { public_id: 'json-name' } });
    assert.equal(same.status, 200);
    assert.equal(same.body.images_count, 1);
  });

  test('a missing source is 404 and creates nothing', async () => {
    const t = await tenant();
    await albumWithImages(server, t.token, 1);
    await assertRefused(t, 404, () => call(server, 'PUT', '/api/v1/albums/nope', { token: t.token, form: { 'album[public_id]': 'new-one' } }));
    await assertRefused(t, 404, () =>
      call(server, 'PUT', '/api/v1/albums/nope', { token: t.token, form: { 'album[public_id]': 'new-two', merge: 'true' } }),
    );
  });

  test('onto an existing album without merge: 409, nothing changes', async () => {
    const t = await tenant();
    const a = await albumWithImages(server, t.token, 2);
    const b = await albumWithImages(server, t.token, 1);
    await assertRefused(t, 409, () => call(server, 'PUT', `/api/v1/albums/${a.album.id}`, { token: t.token, form: { 'album[public_id]': b.album.id } }));
    await assertRefused(t, 409, () =>
      call(server, 'PUT', `/api/v1/albums/${a.album.id}`, { token: t.token, form: { 'album[public_id]': b.album.id, merge: 'false' } }),
    );
  });

  test('no new id is 400', async () => {
    const t = await tenant();
    const a = await albumWithImages(server, t.token, 1);
    await assertRefused(t, 400, () => call(server, 'PUT', `/api/v1/albums/${a.album.id}`, { token: t.token, form: { merge: 'true' } }));
  });

  test('merge moves every image into the destination and removes the source; a shared public_id is kept once', async () => {
    const t = await tenant();
    const source = await albumWithImages(server, t.token, 3);
    const destination = await albumWithImages(server, t.token, 2);
    // The same picture in both albums (as a duplicate would leave it).
    await notify(server, destination.album, source.publicIds[0]!);
    const destinationBefore = await imagesOf(server, t.token, destination.album.id);
    const sharedInSource = (await imagesOf(server, t.token, source.album.id)).find((i) => i.public_id === source.publicIds[0])!;
    const res = await call<AlbumJson>(server, 'PUT', `/api/v1/albums/${source.album.id}`, {
      token: t.token,
      form: { 'album[public_id]': destination.album.id, merge: 'true' },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.id, destination.album.id);
    assert.equal(res.body.images_count, 5, '3 + 3 images, one picture in both');
    assert.equal(await countOf(server, t.token, source.album.id), null);
    const merged = await imagesOf(server, t.token, destination.album.id);
    assert.equal(merged.length, 5);
    assert.deepEqual(
      ids(merged),
      [...destinationBefore.map((i) => i.id), ...source.imageIds.filter((id) => id !== sharedInSource.id)].sort(),
      "images keep their ids; the source's copy of the shared picture is dropped as a duplicate",
    );
    assert.ok(merged.every((i) => i.album_id === destination.album.id));
    assert.equal(new Set(merged.map((i) => i.public_id)).size, 5);
    assertConsistent(await snapshot(server, t.organizationId));
  });

  test("merge carries the source's trash; a live image replaces the destination's trashed copy", async () => {
    const t = await tenant();
    const source = await albumWithImages(server, t.token, 2);
    const destination = await albumWithImages(server, t.token, 1);
    await notify(server, destination.album, source.publicIds[0]!);
    const destinationCopy = (await imagesOf(server, t.token, destination.album.id)).find((i) => i.public_id === source.publicIds[0])!;
    assert.equal((await call(server, 'DELETE', `/api/v1/images/${destinationCopy.id}`, { token: t.token })).status, 204);
    const trashedInSource = source.imageIds[0]!;
    assert.equal((await call(server, 'DELETE', `/api/v1/images/${trashedInSource}`, { token: t.token })).status, 204);
    const res = await call<AlbumJson>(server, 'PUT', `/api/v1/albums/${source.album.id}`, {
      token: t.token,
      json: { album: { public_id: destination.album.id }, merge: true },
    });
    assert.equal(res.status, 200, res.text);
    const live = await imagesOf(server, t.token, destination.album.id);
    assert.equal(res.body.images_count, live.length);
    assert.ok(live.some((i) => i.public_id === source.publicIds[0]), 'the live source copy is there');
    const trash = await call<Array<{ id: string; album_id: string }>>(server, 'GET', `/api/v1/trashed_images?album_id=${destination.album.id}`, {
      token: t.token,
    });
    assert.deepEqual(
      trash.body.map((i) => i.id),
      [trashedInSource],
      "the source's trashed image is in the destination's trash; the destination's trashed copy gave way",
    );
    assertConsistent(await snapshot(server, t.organizationId));
  });

  test("merge hands the source's page views to the destination", async () => {
    const t = await tenant();
    const source = await albumWithImages(server, t.token, 1);
    const destination = await albumWithImages(server, t.token, 1);
    for (const [album, views] of [
      [source.album.id, 3],
      [destination.album.id, 2],
    ] as const) {
      await server.db.kysely
        .updateTable('albums')
        .set({ views_count: views })
        .where('organization_id', '=', t.organizationId)
        .where('public_id', '=', album)
        .execute();
    }
    const res = await call<AlbumJson & { views_count: number }>(server, 'PUT', `/api/v1/albums/${source.album.id}`, {
      token: t.token,
      form: { 'album[public_id]': destination.album.id, merge: 'true' },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.views_count, 5);
    const again = await call<{ views_count: number }>(server, 'GET', `/api/v1/albums/${destination.album.id}`, { token: t.token });
    assert.equal(again.body.views_count, 5);
  });

  test('merge onto a missing id is a plain rename', async () => {
    const t = await tenant();
    const source = await albumWithImages(server, t.token, 2);
    const res = await call<AlbumJson>(server, 'PUT', `/api/v1/albums/${source.album.id}`, {
      token: t.token,
      form: { 'album[public_id]': 'fresh-id', merge: 'true' },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.id, 'fresh-id');
    assert.deepEqual(ids(await imagesOf(server, t.token, 'fresh-id')), [...source.imageIds].sort());
  });
});

describe('duplicate (POST /albums/:id/duplicate)', () => {
  test('copies are new rows sharing the media; the source is unchanged; tags only with tags=true', async () => {
    const t = await tenant();
    const source = await albumWithImages(server, t.token, 3);
    const sourceImages = await imagesOf(server, t.token, source.album.id);
    const before = await snapshot(server, t.organizationId);
    const res = await call<AlbumJson>(server, 'POST', `/api/v1/albums/${source.album.id}/duplicate`, {
      token: t.token,
      form: { destination_id: 'copy' },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.id, 'copy');
    assert.equal(res.body.images_count, 3);
    const copies = await imagesOf(server, t.token, 'copy');
    assert.equal(copies.length, 3);
    assert.ok(copies.every((c) => !source.imageIds.includes(c.id)), 'new ids');
    assert.ok(copies.every((c) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(c.id)), 'UUIDs');
    assert.deepEqual(
      copies.map((c) => [c.public_id, c.original_url]),
      sourceImages.map((s) => [s.public_id, s.original_url]),
      'same media, same order',
    );
    assert.ok(copies.every((c) => c.tags.length === 0), 'no tags without tags=true');
    const after = await snapshot(server, t.organizationId);
    assert.deepEqual(
      after.images.filter((i) => i.album === source.album.id),
      before.images.filter((i) => i.album === source.album.id),
      'the source is unchanged',
    );
    const tagging = await call(server, 'POST', '/api/v1/tags/kept/images', { token: t.token, json: { image_ids: source.imageIds } });
    assert.equal(tagging.status, 200, tagging.text);
    const tagged = await call<AlbumJson>(server, 'POST', `/api/v1/albums/${source.album.id}/duplicate`, {
      token: t.token,
      json: { destination_id: 'tagged-copy', tags: true },
    });
    assert.equal(tagged.status, 200, tagged.text);
    assert.ok((await imagesOf(server, t.token, 'tagged-copy')).every((c) => c.tags[0]?.name === 'kept'));
    assertConsistent(await snapshot(server, t.organizationId));
  });

  test('into an existing album: pictures it already shows are not copied twice', async () => {
    const t = await tenant();
    const source = await albumWithImages(server, t.token, 2);
    const destination = await albumWithImages(server, t.token, 1);
    await notify(server, destination.album, source.publicIds[1]!);
    const res = await call<AlbumJson>(server, 'POST', `/api/v1/albums/${source.album.id}/duplicate`, {
      token: t.token,
      form: { destination_id: destination.album.id },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.images_count, 3);
    const again = await call<AlbumJson>(server, 'POST', `/api/v1/albums/${source.album.id}/duplicate`, {
      token: t.token,
      form: { destination_id: destination.album.id },
    });
    assert.equal(again.body.images_count, 3, 'duplicating again adds nothing');
    assertConsistent(await snapshot(server, t.organizationId));
  });

  test('a missing source is 404, into itself 422, both changing nothing', async () => {
    const t = await tenant();
    const source = await albumWithImages(server, t.token, 1);
    await assertRefused(t, 404, () => call(server, 'POST', '/api/v1/albums/nope/duplicate', { token: t.token, form: { destination_id: 'x' } }));
    await assertRefused(t, 422, () =>
      call(server, 'POST', `/api/v1/albums/${source.album.id}/duplicate`, { token: t.token, form: { destination_id: source.album.id } }),
    );
  });

  test('no byte is copied: a real upload, duplicated, is still one stored file, served for both', async () => {
    const t = await tenant();
    const album = await createAlbum(server, t.token);
    const dir = tempDir('dup');
    const upload = await postUpload(album.upload_form.url, album.upload_form.params, await fixtures.solidColor(dir, '#884422'));
    assert.equal(upload.status, 200, JSON.stringify(upload.body));
    const [original] = await waitForImages(server, t.token, album.id, 1);
    const filesBefore = await storedOriginals(server);
    const res = await call<AlbumJson>(server, 'POST', `/api/v1/albums/${album.id}/duplicate`, { token: t.token, form: { destination_id: 'dup' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(await storedOriginals(server), filesBefore);
    const [copy] = await imagesOf(server, t.token, 'dup');
    assert.notEqual(copy!.id, original!.id);
    const served = await fetch(copy!.thumbnails.mini);
    assert.equal(served.status, 200);
    await served.arrayBuffer();
  });
});

describe('move (POST /images/move)', () => {
  test('moves to an existing and to a new album; counts follow; ids are returned', async () => {
    const t = await tenant();
    const a = await albumWithImages(server, t.token, 3);
    const b = await albumWithImages(server, t.token, 1);
    const [first, second, third] = a.imageIds as [string, string, string];
    const res = await call<{ moved: string[]; dropped_duplicates: string[] }>(server, 'POST', '/api/v1/images/move', {
      token: t.token,
      form: `move_operations[${first}]=${b.album.id}&move_operations[${second}]=brand-new`,
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { moved: [first, second], dropped_duplicates: [] });
    assert.equal(await countOf(server, t.token, a.album.id), 1);
    assert.equal(await countOf(server, t.token, b.album.id), 2);
    assert.equal(await countOf(server, t.token, 'brand-new'), 1);
    assert.deepEqual(ids(await imagesOf(server, t.token, a.album.id)), [third]);
    const [moved] = await imagesOf(server, t.token, 'brand-new');
    assert.equal(moved!.id, second);
    assert.equal(moved!.album_id, 'brand-new');
    assertConsistent(await snapshot(server, t.organizationId));
  });

  test('all or nothing: one unknown, trashed or foreign image is 404 and nothing moves', async () => {
    const t = await tenant();
    const other = await tenant();
    const a = await albumWithImages(server, t.token, 2);
    const foreign = await albumWithImages(server, other.token, 1);
    const trashed = a.imageIds[1]!;
    assert.equal((await call(server, 'DELETE', `/api/v1/images/${trashed}`, { token: t.token })).status, 204);
    for (const bad of [randomUUID(), trashed, foreign.imageIds[0]!]) {
      await assertRefused(t, 404, () =>
        call(server, 'POST', '/api/v1/images/move', {
          token: t.token,
          json: { move_operations: { [a.imageIds[0]!]: 'elsewhere', [bad]: 'elsewhere' } },
        }),
      );
    }
    await assertRefused(t, 400, () => call(server, 'POST', '/api/v1/images/move', { token: t.token, json: { move_operations: {} } }));
  });

  test('two identical pictures may trade albums; into an album showing it already, the mover is dropped', async () => {
    const t = await tenant();
    const a = await albumWithImages(server, t.token, 1);
    const b = await albumWithImages(server, t.token, 0);
    await notify(server, b.album, a.publicIds[0]!);
    const inA = a.imageIds[0]!;
    const [inB] = (await imagesOf(server, t.token, b.album.id)).map((i) => i.id);
    const swap = await call<{ moved: string[] }>(server, 'POST', '/api/v1/images/move', {
      token: t.token,
      json: { move_operations: { [inA]: b.album.id, [inB!]: a.album.id } },
    });
    assert.equal(swap.status, 200, swap.text);
    assert.deepEqual(ids(await imagesOf(server, t.token, a.album.id)), [inB]);
    assert.deepEqual(ids(await imagesOf(server, t.token, b.album.id)), [inA]);
    const onto = await call<{ moved: string[]; dropped_duplicates: string[] }>(server, 'POST', '/api/v1/images/move', {
      token: t.token,
      json: { move_operations: { [inA]: a.album.id } },
    });
    assert.equal(onto.status, 200, onto.text);
    assert.deepEqual(onto.body, { moved: [], dropped_duplicates: [inA] });
    assert.deepEqual(ids(await imagesOf(server, t.token, a.album.id)), [inB]);
    assert.equal(await countOf(server, t.token, b.album.id), 0);
    assertConsistent(await snapshot(server, t.organizationId));
  });

  test("more images than SQLite's parameter limit move in one request", async () => {
    const t = await tenant();
    const album = await albumWithImages(server, t.token, 0, 'bulk');
    await insertImages(t.organizationId, 'bulk', 1200);
    const rows = await server.db.kysely.selectFrom('images').select('id').where('organization_id', '=', t.organizationId).execute();
    const operations = Object.fromEntries(rows.map((r) => [r.id, 'bulk-target']));
    const res = await call<{ moved: string[] }>(server, 'POST', '/api/v1/images/move', { token: t.token, json: { move_operations: operations } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.moved.length, 1200);
    assert.equal(await countOf(server, t.token, album.album.id), 0);
    assert.equal(await countOf(server, t.token, 'bulk-target'), 1200);
    const deleted = await call<{ deleted: string[] }>(server, 'DELETE', '/api/v1/images', {
      token: t.token,
      form: rows.map((r) => `image_ids[]=${r.id}`).join('&'),
    });
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal(deleted.body.deleted.length, 1200);
    assert.equal(await countOf(server, t.token, 'bulk-target'), 0);
    assertConsistent(await snapshot(server, t.organizationId));
  });
});

test('album list thumbnails are the newest four, whether albums are small or large', async () => {
  const t = await tenant();
  const small = await albumWithImages(server, t.token, 3, 'thumbs-small');
  await albumWithImages(server, t.token, 0, 'thumbs-large');
  await insertImages(t.organizationId, 'thumbs-large', 300);
  // A trashed newest image is no thumbnail.
  await notify(server, small.album, 'thumbs-small/newest');
  const [newest] = await imagesOf(server, t.token, 'thumbs-small');
  await call(server, 'DELETE', `/api/v1/images/${newest!.id}`, { token: t.token });
  const list = await call<Array<{ id: string; images_count: number; thumbnails: Array<{ id: string }> }>>(server, 'GET', '/api/v1/albums', {
    token: t.token,
  });
  assert.equal(list.status, 200, list.text);
  for (const album of list.body) {
    const images = await imagesOf(server, t.token, album.id);
    assert.deepEqual(
      album.thumbnails.map((i) => i.id),
      images.slice(0, 4).map((i) => i.id),
      `${album.id}: the newest four live images, newest first`,
    );
  }
  assert.deepEqual(
    list.body.map((a) => [a.id, a.images_count, a.thumbnails.length]),
    [
      ['thumbs-large', 300, 4],
      ['thumbs-small', 3, 3],
    ],
  );
});

/** Inserts `n` image rows into an album straight into the database, counted as an upload would. */
async function insertImages(organizationId: string, albumPublicId: string, n: number): Promise<void> {
  const db = server.db.kysely;
  const album = await db
    .selectFrom('albums')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('public_id', '=', albumPublicId)
    .executeTakeFirstOrThrow();
  const start = Date.now();
  const rows = Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    organization_id: organizationId,
    album_id: album.id,
    public_id: `bulk/${i}-${randomUUID().slice(0, 6)}`,
    version: 1,
    type: 'upload',
    format: 'jpg',
    width: 1,
    height: 1,
    original_width: 1,
    original_height: 1,
    size: 1,
    ...PLAIN_IMAGE,
    // Some share a timestamp, so that the id breaks the tie.
    created_at: new Date(start - Math.floor(i / 2) * 1000).toISOString(),
    updated_at: new Date(start).toISOString(),
  }));
  for (let i = 0; i < rows.length; i += 20) {
    const piece = rows.slice(i, i + 20);
    await db
      .insertInto('image_media')
      .values(piece.map((r) => ({ organization_id: organizationId, type: r.type, public_id: r.public_id, version: r.version, infos: '{}', exifs: '{}', faces: '[]', colors: '[]' })))
      .execute();
    await db.insertInto('images').values(piece).execute();
  }
  await db
    .updateTable('albums')
    .set((eb) => ({ images_count: eb('images_count', '+', n) }))
    .where('id', '=', album.id)
    .execute();
}

describe('delete, trash, restore', () => {
  test('DELETE /images/:id: 204, the count drops, the image is in the trash; again is 404', async () => {
    const t = await tenant();
    const a = await albumWithImages(server, t.token, 2);
    const [gone, kept] = a.imageIds as [string, string];
    const res = await call(server, 'DELETE', `/api/v1/images/${gone}`, { token: t.token });
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.equal(await countOf(server, t.token, a.album.id), 1);
    assert.deepEqual(ids(await imagesOf(server, t.token, a.album.id)), [kept]);
    const trash = await call<Array<{ id: string; album_id: string; deleted_at: string; purge_at: string }>>(server, 'GET', '/api/v1/trashed_images', {
      token: t.token,
    });
    assert.equal(trash.status, 200, trash.text);
    assert.deepEqual(
      trash.body.map((i) => [i.id, i.album_id]),
      [[gone, a.album.id]],
    );
    assert.equal(trash.headers.get('x-total-count'), '1');
    assert.equal(new Date(trash.body[0]!.purge_at).getTime() - new Date(trash.body[0]!.deleted_at).getTime(), 30 * 24 * 3600 * 1000);
    await assertRefused(t, 404, () => call(server, 'DELETE', `/api/v1/images/${gone}`, { token: t.token }));
    assertConsistent(await snapshot(server, t.organizationId));
  });

  test('DELETE /images: all listed go (form or JSON), else none', async () => {
    const t = await tenant();
    const a = await albumWithImages(server, t.token, 3);
    const b = await albumWithImages(server, t.token, 2);
    await assertRefused(t, 404, () =>
      call(server, 'DELETE', '/api/v1/images', { token: t.token, form: `image_ids[]=${a.imageIds[0]}&image_ids[]=${randomUUID()}` }),
    );
    await assertRefused(t, 400, () => call(server, 'DELETE', '/api/v1/images', { token: t.token, form: '' }));
    const res = await call<{ deleted: string[] }>(server, 'DELETE', '/api/v1/images', {
      token: t.token,
      form: `image_ids[]=${a.imageIds[0]}&image_ids[]=${b.imageIds[0]}`,
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { deleted: [a.imageIds[0], b.imageIds[0]] });
    const json = await call<{ deleted: string[] }>(server, 'DELETE', '/api/v1/images', { token: t.token, json: { image_ids: [a.imageIds[1]] } });
    assert.deepEqual(json.body, { deleted: [a.imageIds[1]] });
    assert.equal(await countOf(server, t.token, a.album.id), 1);
    assert.equal(await countOf(server, t.token, b.album.id), 1);
    assertConsistent(await snapshot(server, t.organizationId));
  });

  test('one image the token may not delete: 403 and nothing deleted', async () => {
    const t = await tenant();
    const a = await albumWithImages(server, t.token, 1);
    const b = await albumWithImages(server, t.token, 1);
    const limited = await tokenWith(server, t.userId, { [a.album.id]: { Access: { image_delete: true } } });
    await assertRefused(t, 403, () =>
      call(server, 'DELETE', '/api/v1/images', { token: limited, form: `image_ids[]=${a.imageIds[0]}&image_ids[]=${b.imageIds[0]}` }),
    );
  });

  test('restore puts the image back in its album; restoring a live image is 404', async () => {
    const t = await tenant();
    const a = await albumWithImages(server, t.token, 2);
    const image = a.imageIds[0]!;
    await call(server, 'DELETE', `/api/v1/images/${image}`, { token: t.token });
    await assertRefused(t, 404, () => call(server, 'DELETE', `/api/v1/trashed_images/${a.imageIds[1]}`, { token: t.token }));
    const res = await call<ListedImage>(server, 'DELETE', `/api/v1/trashed_images/${image}`, { token: t.token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.id, image);
    assert.equal(res.body.album_id, a.album.id);
    assert.equal(await countOf(server, t.token, a.album.id), 2);
    const trash = await call<unknown[]>(server, 'GET', `/api/v1/trashed_images?album_id=${a.album.id}`, { token: t.token });
    assert.deepEqual(trash.body, []);
    assertConsistent(await snapshot(server, t.organizationId));
  });

  test('the trash of another organization, or of an unknown album, is not found', async () => {
    const t = await tenant();
    const other = await tenant();
    const foreign = await albumWithImages(server, other.token, 1);
    await call(server, 'DELETE', `/api/v1/images/${foreign.imageIds[0]}`, { token: other.token });
    assert.equal((await call(server, 'GET', `/api/v1/trashed_images?album_id=${foreign.album.id}`, { token: t.token })).status, 404);
    assert.deepEqual((await call(server, 'GET', '/api/v1/trashed_images', { token: t.token })).body, []);
    assert.equal((await call(server, 'DELETE', `/api/v1/trashed_images/${foreign.imageIds[0]}`, { token: t.token })).status, 404);
  });
});

describe('the trash purge', () => {
  test('removes images trashed over TRASH_DAYS ago, and a stored file once no row shares it', async () => {
    const t = await tenant();
    const album = await createAlbum(server, t.token);
    const dir = tempDir('purge');
    const upload = await postUpload(album.upload_form.url, album.upload_form.params, await fixtures.solidColor(dir, '#225588'));
    assert.equal(upload.status, 200, JSON.stringify(upload.body));
    const [original] = await waitForImages(server, t.token, album.id, 1);
    await call(server, 'POST', `/api/v1/albums/${album.id}/duplicate`, { token: t.token, form: { destination_id: 'purge-copy' } });
    const [copy] = await imagesOf(server, t.token, 'purge-copy');
    const files = await storedOriginals(server);
    const ageInTrash = async (id: string, days: number) => {
      await server.db.kysely
        .updateTable('images')
        .set({ deleted_at: new Date(Date.now() - days * 24 * 3600 * 1000).toISOString() })
        .where('id', '=', id)
        .execute();
    };
    const purge = () => server.registry.get('api.purge_trash')!.run({ v: 1, organization_id: t.organizationId } as never);

    await call(server, 'DELETE', `/api/v1/images/${original!.id}`, { token: t.token });
    await ageInTrash(original!.id, 29);
    await purge();
    assert.equal((await snapshot(server, t.organizationId)).images.length, 2, 'not yet 30 days');

    await ageInTrash(original!.id, 31);
    await purge();
    assert.deepEqual(
      (await snapshot(server, t.organizationId)).images.map((i) => i.id),
      [copy!.id],
    );
    assert.equal(await storedOriginals(server), files, 'the copy still shows the stored file');
    const reports = () =>
      server.db.kysely.selectFrom('image_media').select('public_id').where('organization_id', '=', t.organizationId).execute();
    assert.deepEqual(
      (await reports()).map((r) => r.public_id),
      [copy!.public_id],
      'the media report stays while a row shows it',
    );
    const served = await fetch(copy!.thumbnails.original);
    assert.equal(served.status, 200);
    await served.arrayBuffer();

    await call(server, 'DELETE', `/api/v1/images/${copy!.id}`, { token: t.token });
    await ageInTrash(copy!.id, 31);
    await purge();
    assert.equal((await snapshot(server, t.organizationId)).images.length, 0);
    assert.equal(await storedOriginals(server), files - 1, 'no row shares it any more: the file is gone');
    assert.deepEqual(await reports(), [], 'and so is its media report');
  });

  test('is queued when a worker starts, under the hour\'s dedup key', async () => {
    const keys = (await server.jobs.list('api.purge_trash')).map((k) => k.dedupKey);
    const hour = (ms: number) => `api.purge_trash:${new Date(ms).toISOString().slice(0, 13)}`;
    assert.equal(keys.length, 1);
    assert.ok([hour(Date.now()), hour(Date.now() - 3600_000)].includes(keys[0]!), String(keys[0]));
  });
});

describe('upload batches and the organization webhook settings', () => {
  test('upload_done records the batch and returns the album; a missing album is 404', async () => {
    const t = await tenant();
    const a = await albumWithImages(server, t.token, 2);
    const res = await call<AlbumJson>(server, 'POST', `/api/v1/albums/${a.album.id}/upload_done`, { token: t.token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.id, a.album.id);
    assert.equal(res.body.images_count, 2);
    const batches = await server.db.kysely.selectFrom('upload_batches').selectAll().where('organization_id', '=', t.organizationId).execute();
    assert.equal(batches.length, 1);
    assert.equal(batches[0]!.images_count, 2);
    await notify(server, a.album, 'late-one');
    await call(server, 'POST', `/api/v1/albums/${a.album.id}/upload_done`, { token: t.token });
    const second = await server.db.kysely
      .selectFrom('upload_batches')
      .select('images_count')
      .where('organization_id', '=', t.organizationId)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(second.images_count, 1, 'a batch counts what arrived since the previous one');
    await assertRefused(t, 404, () => call(server, 'POST', '/api/v1/albums/nope/upload_done', { token: t.token }));
  });

  test('PUT /organization: admins set an http(s) webhook URL; the secret is shown once', async () => {
    const t = await tenant();
    const set = await call<{ webhook_url: string; webhook_secret?: string }>(server, 'PUT', '/api/v1/organization', {
      token: t.token,
      form: { webhook_url: 'https://hooks.example.org/album' },
    });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.webhook_url, 'https://hooks.example.org/album');
    assert.match(set.body.webhook_secret ?? '', /^whsec_[A-Za-z0-9_-]{43}$/);
    const again = await call<{ webhook_url: string; webhook_secret?: string }>(server, 'PUT', '/api/v1/organization', {
      token: t.token,
      form: { 'organization[webhook_url]': 'http://hooks.example.org/other' },
    });
    assert.equal(again.body.webhook_url, 'http://hooks.example.org/other');
    assert.equal(again.body.webhook_secret, undefined, 'not shown again');
    const rotated = await call<{ webhook_secret?: string }>(server, 'PUT', '/api/v1/organization', { token: t.token, json: { rotate_webhook_secret: true } });
    assert.ok(rotated.body.webhook_secret && rotated.body.webhook_secret !== set.body.webhook_secret);
    for (const bad of ['ftp://example.org/x', 'not a url', 'javascript:alert(1)']) {
      const res = await call(server, 'PUT', '/api/v1/organization', { token: t.token, json: { webhook_url: bad } });
      assert.equal(res.status, 400, `${bad}: ${res.text}`);
    }
    const cleared = await call<{ webhook_url: string | null }>(server, 'PUT', '/api/v1/organization', { token: t.token, json: { webhook_url: null } });
    assert.equal(cleared.body.webhook_url, null);
    const got = await call<{ webhook_url: string | null }>(server, 'GET', '/api/v1/organization', { token: t.token });
    assert.equal(got.body.webhook_url, null);
  });
});
