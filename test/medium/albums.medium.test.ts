/**
 * The albums service over the real database: creation races settle on one album, and a merge
 * that meets the same picture on both sides keeps the row the rule says (albums.service.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appError, type Medium, newTenant, notifyUpload, openMedium, upload } from './medium-fixture.ts';

let medium: Medium;

before(async () => {
  medium = await openMedium('albums');
});

after(() => medium.close());

test('two concurrent creates of one public_id make one album: the other is a 409', async () => {
  const { admin } = await newTenant(medium);
  const outcomes = await Promise.allSettled([medium.services.albums.create(admin, 'raced'), medium.services.albums.create(admin, 'raced')]);
  const created = outcomes.filter((o) => o.status === 'fulfilled');
  const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  assert.equal(created.length, 1);
  assert.equal(refused.length, 1);
  assert.ok(appError('conflict')(refused[0]!.reason), String(refused[0]!.reason));
  const list = await medium.services.albums.list(admin, { perPage: 10 });
  assert.deepEqual(
    list.items.map((a) => a.public_id),
    ['raced'],
  );
});

test('concurrent opens of a new id (GET, upload) find or create one album', async () => {
  const { admin } = await newTenant(medium);
  const [a, b, c] = await Promise.all([
    medium.services.albums.get(admin, 'opened'),
    medium.services.albums.get(admin, 'opened'),
    upload(medium, admin, 'opened', 'first').then(() => medium.services.albums.get(admin, 'opened')),
  ]);
  assert.equal(a.public_id, 'opened');
  assert.equal(b.organization_id, a.organization_id);
  assert.equal(c.images_count, 1);
  const list = await medium.services.albums.list(admin, { perPage: 10 });
  assert.equal(list.total, 1);
  assert.equal(list.items[0]?.images_count, 1);
});

test('concurrent uploads of one picture into a new album record it once', async () => {
  const { admin } = await newTenant(medium);
  const results = await Promise.all([notifyUpload(medium, admin, 'twice', 'same'), notifyUpload(medium, admin, 'twice', 'same')]);
  assert.deepEqual(results.map((r) => r.status).sort(), ['created', 'duplicate']);
  assert.equal((await medium.services.albums.find(admin, 'twice')).images_count, 1);
});

test('rename onto a taken id is a 409 and changes nothing; onto a free id it renames', async () => {
  const { admin } = await newTenant(medium);
  await medium.services.albums.create(admin, 'one');
  await medium.services.albums.create(admin, 'two');
  await assert.rejects(medium.services.albumRenames.update(admin, 'one', { newPublicId: 'two', merge: false }), appError('conflict'));
  await medium.services.albums.find(admin, 'one');
  const renamed = await medium.services.albumRenames.update(admin, 'one', { newPublicId: 'three', merge: false });
  assert.equal(renamed.public_id, 'three');
  await assert.rejects(medium.services.albums.find(admin, 'one'), appError('not_found'));
});

test('a merge keeps one row per public_id: the live one, else the destination’s', async () => {
  const { admin } = await newTenant(medium);
  const { albums, images, albumRenames } = medium.services;
  // Source and destination both hold `both-live`; `src-live` is trashed in the destination;
  // `both-trashed` is trashed on both sides; `only-src` is only in the source.
  const src = {
    bothLive: await upload(medium, admin, 'src', 'both-live'),
    srcLive: await upload(medium, admin, 'src', 'src-live'),
    bothTrashed: await upload(medium, admin, 'src', 'both-trashed'),
    onlySrc: await upload(medium, admin, 'src', 'only-src'),
  };
  const dst = {
    bothLive: await upload(medium, admin, 'dst', 'both-live'),
    srcLive: await upload(medium, admin, 'dst', 'src-live'),
    bothTrashed: await upload(medium, admin, 'dst', 'both-trashed'),
  };
  await images.deleteMany(admin, [src.bothTrashed, dst.srcLive, dst.bothTrashed]);

  const merged = await albumRenames.update(admin, 'src', { newPublicId: 'dst', merge: true });
  assert.equal(merged.public_id, 'dst');
  await assert.rejects(albums.find(admin, 'src'), appError('not_found'));

  const live = await images.list(admin, 'dst', { perPage: 50 });
  assert.deepEqual(new Set(live.items.map((i) => i.id)), new Set([dst.bothLive, src.srcLive, src.onlySrc]));
  const trash = await medium.services.trash.listTrash(admin, 'dst', { perPage: 50 });
  assert.deepEqual(
    trash.items.map((i) => i.id),
    [dst.bothTrashed],
  );
  const album = await albums.find(admin, 'dst');
  assert.equal(album.images_count, 3);
  assert.equal(album.trashed_count, 1);
});

test('merge onto a free id is a plain rename', async () => {
  const { admin } = await newTenant(medium);
  const id = await upload(medium, admin, 'alone', 'pic');
  const renamed = await medium.services.albumRenames.update(admin, 'alone', { newPublicId: 'moved-on', merge: true });
  assert.equal(renamed.images_count, 1);
  assert.deepEqual(
    (await medium.services.images.list(admin, 'moved-on', { perPage: 5 })).items.map((i) => i.id),
    [id],
  );
});
