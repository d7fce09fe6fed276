/**
 * `POST /images/copy`: copies land in the destination with new ids and the same stored
 * media, counts and thumbnails follow, one webhook event reports them; all or nothing; a
 * missing ability is 403 with nothing changed, another organization's images 404.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { albumWithImages, assertConsistent, countOf, imagesOf, snapshot } from '../helpers/album-ops.ts';
import { call, newTenant, startTestServer, type TestServer, tokenWith } from '../helpers/server.ts';

let server: TestServer;

before(async () => {
  // The webhook receiver listens on this machine.
  server = await startTestServer({ WEBHOOK_ALLOW_PRIVATE: '1' });
});
after(() => server.stop());

interface CopyJson {
  copies: Array<{ source_id: string; image: { id: string; public_id: string; album_id: string; original_url: string } }>;
  skipped: string[];
}

const mediaRows = async (organizationId: string) =>
  Number(
    (
      await server.db.kysely
        .selectFrom('image_media')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('organization_id', '=', organizationId)
        .executeTakeFirstOrThrow()
    ).n,
  );

test('copies share the media, get new ids, and the destination counts and shows them', async () => {
  const tenant = await newTenant(server);
  await call(server, 'PUT', '/api/v1/organization', { token: tenant.token, json: { webhook_url: 'http://127.0.0.1:9/hook' } });
  const a = await albumWithImages(server, tenant.token, 3, 'from');
  await albumWithImages(server, tenant.token, 1, 'to');
  const media = await mediaRows(tenant.organizationId);
  const chosen = [a.imageIds[2]!, a.imageIds[0]!];
  const res = await call<CopyJson>(server, 'POST', '/api/v1/images/copy', {
    token: tenant.token,
    form: `image_ids[]=${chosen[0]}&image_ids[]=${chosen[1]}&album_id=to`,
  });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.copies.map((c) => c.source_id), chosen);
  assert.deepEqual(res.body.skipped, []);
  const sources = await imagesOf(server, tenant.token, 'from');
  for (const copy of res.body.copies) {
    const source = sources.find((s) => s.id === copy.source_id)!;
    assert.notEqual(copy.image.id, source.id);
    assert.equal(copy.image.album_id, 'to');
    assert.equal(copy.image.public_id, source.public_id);
    assert.equal(copy.image.original_url, source.original_url, 'the same stored original');
  }
  assert.equal(await mediaRows(tenant.organizationId), media, 'no new media');
  assert.equal(await countOf(server, tenant.token, 'to'), 3);
  assert.equal(await countOf(server, tenant.token, 'from'), 3, 'the sources stay');
  const album = await call<{ thumbnails: Array<{ id: string }> }>(server, 'GET', '/api/v1/albums/to', { token: tenant.token });
  for (const copy of res.body.copies) assert.ok(album.body.thumbnails.some((t) => t.id === copy.image.id), 'in the thumbnails');
  const events = await server.db.kysely
    .selectFrom('webhook_events')
    .select(['event', 'body'])
    .where('organization_id', '=', tenant.organizationId)
    .where('event', '=', 'images.created')
    .execute();
  const body = JSON.parse(events.at(-1)!.body);
  assert.equal(body.album_id, 'to');
  assert.deepEqual(body.copied_from, res.body.copies.map((c) => ({ image_id: c.image.id, source_image_id: c.source_id })));
  assertConsistent(await snapshot(server, tenant.organizationId));

  // Again: the destination already shows both pictures.
  const again = await call<CopyJson>(server, 'POST', '/api/v1/images/copy', { token: tenant.token, json: { image_ids: chosen, album_id: 'to' } });
  assert.deepEqual([again.body.copies.length, again.body.skipped], [0, chosen]);
  // Into an album that does not exist yet.
  const fresh = await call<CopyJson>(server, 'POST', '/api/v1/images/copy', { token: tenant.token, json: { image_ids: chosen, album_id: 'brand-new' } });
  assert.equal(fresh.body.copies.length, 2);
  assert.equal(await countOf(server, tenant.token, 'brand-new'), 2);
  assertConsistent(await snapshot(server, tenant.organizationId));
});

test('all or nothing: an unknown or foreign image is 404; a missing ability 403; nothing changed', async () => {
  const tenant = await newTenant(server);
  const a = await albumWithImages(server, tenant.token, 2, 'src');
  const b = await albumWithImages(server, tenant.token, 1, 'dst');
  const other = await newTenant(server);
  const theirs = await albumWithImages(server, other.token, 1, 'theirs');
  const before = await snapshot(server, tenant.organizationId);
  const copy = (token: string, imageIds: string[], albumId = 'dst') =>
    call(server, 'POST', '/api/v1/images/copy', { token, json: { image_ids: imageIds, album_id: albumId } });
  const grant = (access: Record<string, string[]>) =>
    tokenWith(server, tenant.userId, Object.fromEntries(Object.entries(access).map(([album, list]) => [album, { Access: Object.fromEntries(list.map((x) => [x, true])) }])));
  assert.equal((await copy(tenant.token, [a.imageIds[0]!, 'unknown'])).status, 404);
  assert.equal((await copy(tenant.token, [a.imageIds[0]!, theirs.imageIds[0]!])).status, 404);
  assert.equal((await copy(other.token, [a.imageIds[0]!], 'theirs')).status, 404);
  assert.equal((await copy(await grant({ dst: ['image_upload'] }), [a.imageIds[0]!])).status, 403, 'no image_copy on the source');
  assert.equal((await copy(await grant({ src: ['image_copy'] }), [a.imageIds[0]!])).status, 403, 'no image_upload on the destination');
  assert.equal((await copy(await grant({ src: ['image_copy'], dst: ['image_upload'] }), [a.imageIds[0]!, b.imageIds[0]!])).status, 403, 'no image_copy on dst');
  assert.deepEqual(await snapshot(server, tenant.organizationId), before);
  assert.equal((await copy(await grant({ src: ['image_copy'], dst: ['image_upload'] }), a.imageIds)).status, 200);
});
