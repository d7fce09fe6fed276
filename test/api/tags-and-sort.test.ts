/**
 * SharinPix's tags and sort through HTTP: `image_tag`, declared tag sets (`Tags` in a
 * token's abilities), organization tags, `?tag=` filtering, bulk tagging all or nothing, and
 * the image order from `sort`/`order` or the token's `Sort`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { albumWithImages, notify, snapshot } from '../helpers/album-ops.ts';
import { call, newTenant, startTestServer, type Tenant, type TestServer, tokenWith } from '../helpers/server.ts';
import { createAlbum } from '../helpers/uploads.ts';

interface Image {
  id: string;
  tags: Array<{ name: string; labels: Record<string, string> }>;
  taken_at: string | null;
}

let server: TestServer;
let tenant: Tenant;

before(async () => {
  server = await startTestServer();
  tenant = await newTenant(server);
});
after(() => server.stop());

const tag = (imageId: string, name: string, token = tenant.token) =>
  call<Image>(server, 'POST', `/api/v1/images/${imageId}/tags`, { token, form: { tag: name } });
const untag = (imageId: string, name: string, token = tenant.token) =>
  call<Image>(server, 'DELETE', `/api/v1/images/${imageId}/tags/${encodeURIComponent(name)}`, { token });
const list = (albumId: string, query = '', token = tenant.token) =>
  call<Image[]>(server, 'GET', `/api/v1/albums/${albumId}/images${query}`, { token });

describe('tags', () => {
  test('image_tag adds and removes tags; without it 403 and nothing changes', async () => {
    const { album, imageIds } = await albumWithImages(server, tenant.token, 2);
    const noTag = await tokenWith(server, tenant.userId, { [album.id]: { Access: { see: true, image_list: true } } });
    const before = await snapshot(server, tenant.organizationId);
    assert.equal((await tag(imageIds[0]!, 'car', noTag)).status, 403);
    assert.equal((await untag(imageIds[0]!, 'car', noTag)).status, 403);
    assert.deepEqual(await snapshot(server, tenant.organizationId), before);

    const tagger = await tokenWith(server, tenant.userId, { [album.id]: { Access: { see: true, image_list: true, image_tag: true } } });
    const tagged = await tag(imageIds[0]!, 'car', tagger);
    assert.equal(tagged.status, 200, tagged.text);
    assert.deepEqual(tagged.body.tags, [{ name: 'car', labels: {} }]);
    assert.deepEqual((await tag(imageIds[0]!, 'car', tagger)).body.tags, [{ name: 'car', labels: {} }], 'a repeat changes nothing');
    const filtered = await list(album.id, '?tag=car');
    assert.deepEqual(filtered.body.map((i) => i.id), [imageIds[0]]);
    assert.equal(filtered.headers.get('x-total-count'), '1');
    assert.deepEqual((await list(album.id, '?tag=boat')).body, []);
    const removed = await untag(imageIds[0]!, 'car', tagger);
    assert.equal(removed.status, 200);
    assert.deepEqual(removed.body.tags, []);
    assert.deepEqual((await list(album.id, '?tag=car')).body, []);
  });

  test('a declared tag set gives labels and refuses other tags, unless the organization offers them', async () => {
    const { album, imageIds } = await albumWithImages(server, tenant.token, 1);
    const abilities = {
      [album.id]: { Access: { see: true, image_list: true, image_tag: true }, Tags: { car: { en: 'car', fr: 'voiture' } } },
    };
    const token = await tokenWith(server, tenant.userId, abilities);
    const car = await tag(imageIds[0]!, 'car', token);
    assert.equal(car.status, 200, car.text);
    assert.deepEqual(car.body.tags, [{ name: 'car', labels: { en: 'car', fr: 'voiture' } }]);
    const before = await snapshot(server, tenant.organizationId);
    assert.equal((await tag(imageIds[0]!, 'boat', token)).status, 403, 'outside the declared set');
    assert.deepEqual(await snapshot(server, tenant.organizationId), before);

    const member = await newTenant(server, { admin: false });
    assert.equal((await call(server, 'POST', '/api/v1/tags', { token: member.token, json: { name: 'x' } })).status, 403, 'admins only');
    const created = await call(server, 'POST', '/api/v1/tags', { token: tenant.token, json: { name: 'boat', labels: { en: 'boat', fr: 'bateau' } } });
    assert.equal(created.status, 200, created.text);
    const listed = await call<Array<{ name: string }>>(server, 'GET', '/api/v1/tags', { token });
    assert.deepEqual(listed.body.map((t) => t.name), ['boat']);
    const boat = await tag(imageIds[0]!, 'boat', token);
    assert.equal(boat.status, 200, boat.text);
    assert.deepEqual(boat.body.tags[1], { name: 'boat', labels: { en: 'boat', fr: 'bateau' } });
    assert.equal((await call(server, 'DELETE', '/api/v1/tags/boat', { token: tenant.token })).status, 204);
    assert.equal((await call(server, 'DELETE', '/api/v1/tags/boat', { token: tenant.token })).status, 404);
    assert.equal((await tag(imageIds[0]!, 'plane', token)).status, 403);
  });

  test('bulk tagging is all or nothing', async () => {
    const a = await albumWithImages(server, tenant.token, 2);
    const b = await albumWithImages(server, tenant.token, 1);
    const onlyA = await tokenWith(server, tenant.userId, { [a.album.id]: { Access: { see: true, image_tag: true } } });
    const before = await snapshot(server, tenant.organizationId);
    const refused = await call(server, 'POST', '/api/v1/tags/done/images', { token: onlyA, json: { image_ids: [...a.imageIds, ...b.imageIds] } });
    assert.equal(refused.status, 403);
    const unknown = await call(server, 'POST', '/api/v1/tags/done/images', { token: tenant.token, json: { image_ids: [a.imageIds[0], '00000000-0000-4000-8000-000000000000'] } });
    assert.equal(unknown.status, 404);
    const other = await newTenant(server);
    assert.equal((await call(server, 'POST', '/api/v1/tags/done/images', { token: other.token, json: { image_ids: a.imageIds } })).status, 404);
    assert.deepEqual(await snapshot(server, tenant.organizationId), before, 'nothing changed');

    const done = await call<Image[]>(server, 'POST', '/api/v1/tags/done/images', { token: tenant.token, form: `image_ids[]=${a.imageIds[0]}&image_ids[]=${b.imageIds[0]}` });
    assert.equal(done.status, 200, done.text);
    assert.ok(done.body.every((i) => i.tags.some((t) => t.name === 'done')));
    assert.equal((await list(a.album.id, '?tag=done')).body.length, 1);
    const cleared = await call<Image[]>(server, 'DELETE', `/api/v1/tags/done/images?image_ids[]=${a.imageIds[0]}&image_ids[]=${b.imageIds[0]}`, { token: tenant.token });
    assert.equal(cleared.status, 200, cleared.text);
    assert.ok(cleared.body.every((i) => i.tags.length === 0));
  });

  test('tag names are checked', async () => {
    const { imageIds } = await albumWithImages(server, tenant.token, 1);
    for (const bad of [' padded', 'a\u0001b', 'x'.repeat(101)]) assert.equal((await tag(imageIds[0]!, bad)).status, 400, JSON.stringify(bad));
  });
});

describe('sort', () => {
  test('sort/order parameters, else the token\'s Sort, order the listing; images without a capture time come last', async () => {
    const album = await createAlbum(server, tenant.token);
    const taken = ['2021:05:01 10:00:00', null, '2019:01:01 08:00:00', '2020:03:03 12:00:00'];
    for (const [i, when] of taken.entries()) {
      await notify(server, album, `sorted-${i}`, when ? { image_metadata: { DateTimeOriginal: when } } : {});
    }
    const order = async (query: string, token = tenant.token) => (await list(album.id, query, token)).body.map((i) => i.taken_at?.slice(0, 4) ?? null);
    assert.deepEqual(await order(''), ['2020', '2019', null, '2021'], 'newest upload first by default');
    assert.deepEqual(await order('?sort=created_at&order=asc'), ['2021', null, '2019', '2020']);
    assert.deepEqual(await order('?sort=taken_at&order=asc'), ['2019', '2020', '2021', null]);
    assert.deepEqual(await order('?sort=taken_at&order=desc'), ['2021', '2020', '2019', null]);
    const sorted = await tokenWith(server, tenant.userId, {
      [album.id]: { Access: { see: true, image_list: true } },
      Sort: { field: 'taken_at', order: 'asc' },
    });
    assert.deepEqual(await order('', sorted), ['2019', '2020', '2021', null], "the token's Sort");
    assert.deepEqual(await order('?sort=created_at&order=desc', sorted), ['2020', '2019', null, '2021'], 'parameters win');
    const perAlbum = await tokenWith(server, tenant.userId, {
      [album.id]: { Access: { see: true, image_list: true }, Sort: { field: 'date_taken', order: 'desc' } },
    });
    assert.deepEqual(await order('', perAlbum), ['2021', '2020', '2019', null], "the album's own Sort, documentation's field name");
    assert.equal((await list(album.id, '?sort=size')).status, 400);
  });
});
