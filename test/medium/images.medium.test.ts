/**
 * The images service over the real database: a move's clash outcomes, and the counters
 * through trash, restore and purge.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appError, type Medium, newTenant, openMedium, upload } from './medium-fixture.ts';

let medium: Medium;

before(async () => {
  medium = await openMedium('images');
});

after(() => medium.close());

const DAY_MS = 24 * 60 * 60 * 1000;

test('a move keeps the destination’s live copy, displaces its trashed one, and keeps the first mover named', async () => {
  const { admin } = await newTenant(medium);
  const { albums, images, moves, trash } = medium.services;
  const a = { p: await upload(medium, admin, 'a', 'p'), q: await upload(medium, admin, 'a', 'q'), r: await upload(medium, admin, 'a', 'r') };
  const b = { p: await upload(medium, admin, 'b', 'p'), q: await upload(medium, admin, 'b', 'q') };
  const c = { r: await upload(medium, admin, 'c', 'r') };
  await images.delete(admin, b.q);

  const result = await moves.move(admin, { [a.p]: 'b', [a.q]: 'b', [a.r]: 'b', [c.r]: 'b' });
  assert.deepEqual(result, { moved: [a.q, a.r], dropped_duplicates: [a.p, c.r] });

  const inB = await images.list(admin, 'b', { perPage: 50 });
  assert.deepEqual(new Set(inB.items.map((i) => i.id)), new Set([b.p, a.q, a.r]));
  assert.equal((await trash.listTrash(admin, 'b', { perPage: 50 })).total, 0);
  assert.deepEqual(
    [await albums.find(admin, 'a'), await albums.find(admin, 'b'), await albums.find(admin, 'c')].map((x) => [x.images_count, x.trashed_count]),
    [
      [0, 0],
      [3, 0],
      [0, 0],
    ],
  );
});

test('a move into a new album id creates it; an unknown image is a 404 with nothing moved', async () => {
  const { admin } = await newTenant(medium);
  const { albums, moves } = medium.services;
  const id = await upload(medium, admin, 'from', 'pic');
  await assert.rejects(moves.move(admin, { [id]: 'fresh', 'no-such-image': 'fresh' }), appError('not_found'));
  await assert.rejects(albums.find(admin, 'fresh'), appError('not_found'));
  assert.equal((await albums.find(admin, 'from')).images_count, 1);
  assert.deepEqual(await moves.move(admin, { [id]: 'fresh' }), { moved: [id], dropped_duplicates: [] });
  assert.equal((await albums.find(admin, 'fresh')).images_count, 1);
  assert.equal((await albums.find(admin, 'from')).images_count, 0);
});

test('trash and restore move the counts between live and trashed, once each', async () => {
  const { admin } = await newTenant(medium);
  const { albums, images, trash } = medium.services;
  const [x, y, z] = [await upload(medium, admin, 'counted', 'x'), await upload(medium, admin, 'counted', 'y'), await upload(medium, admin, 'counted', 'z')];
  assert.deepEqual(await images.deleteMany(admin, [x, y, x]), { deleted: [x, y] });
  let album = await albums.find(admin, 'counted');
  assert.deepEqual([album.images_count, album.trashed_count], [1, 2]);
  assert.equal((await images.list(admin, 'counted', { perPage: 10 })).total, 1);
  assert.equal((await trash.listTrash(admin, undefined, { perPage: 10 })).total, 2);
  // Already in the trash: not a live image any more.
  await assert.rejects(images.delete(admin, x), appError('not_found'));

  const restored = await trash.restore(admin, x);
  assert.equal(restored.id, x);
  await assert.rejects(trash.restore(admin, x), appError('not_found'));
  await assert.rejects(trash.restore(admin, z), appError('not_found'));
  album = await albums.find(admin, 'counted');
  assert.deepEqual([album.images_count, album.trashed_count], [2, 1]);
});

test('the purge removes only expired trash, and keeps media another row still shows', async () => {
  const { admin, organizationId } = await newTenant(medium);
  const { albums, images, trash } = medium.services;
  const trashed = await upload(medium, admin, 'purged', 'shared');
  await upload(medium, admin, 'keeper', 'shared');
  await images.delete(admin, trashed);
  // Not expired yet.
  assert.deepEqual(await trash.purgeTrash({ organizationId }), { images: 0, files: 0 });
  const later = new Date(Date.now() + (medium.config.trashDays + 1) * DAY_MS);
  assert.deepEqual(await trash.purgeTrash({ organizationId, now: later }), { images: 1, files: 0 });
  await assert.rejects(trash.restore(admin, trashed), appError('not_found'));
  assert.deepEqual(
    [await albums.find(admin, 'purged'), await albums.find(admin, 'keeper')].map((x) => [x.images_count, x.trashed_count]),
    [
      [0, 0],
      [1, 0],
    ],
  );
});
