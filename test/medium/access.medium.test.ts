/**
 * Permissions and tenancy as the services enforce them, over the real database: a restricted
 * token is refused (403, nothing changed) what its abilities do not grant, and a caller of
 * organization B never reads or changes organization A's rows: A's albums and images are
 * 404 to B, whatever the method.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appError, type Medium, newTenant, openMedium, upload } from './medium-fixture.ts';

let medium: Medium;

before(async () => {
  medium = await openMedium('access');
});

after(() => medium.close());

test('a restricted token is refused what it lacks, and the refusal changes nothing', async () => {
  const tenant = await newTenant(medium);
  const { albums, images, tags, moves, trash, albumRenames } = medium.services;
  const kept = await upload(medium, tenant.admin, 'mine', 'kept');
  const other = await upload(medium, tenant.admin, 'theirs', 'other');
  const viewer = await tenant.restricted({ mine: { Access: { see: true, image_list: true } } });

  assert.equal((await images.list(viewer, 'mine', { perPage: 5 })).total, 1);
  await assert.rejects(images.delete(viewer, kept), appError('forbidden'));
  await assert.rejects(moves.move(viewer, { [kept]: 'theirs' }), appError('forbidden'));
  await assert.rejects(albumRenames.update(viewer, 'mine', { newPublicId: 'renamed', merge: false }), appError('forbidden'));
  await assert.rejects(albums.create(viewer, undefined), appError('forbidden'));
  await assert.rejects(albums.create(viewer, 'new-one'), appError('forbidden'));
  await assert.rejects(albums.find(viewer, 'theirs').then((a) => images.list(viewer, a.public_id, { perPage: 5 })), appError('forbidden'));
  await assert.rejects(tags.putOrganizationTag(viewer, 'tag', { en: 'Tag' }), appError('forbidden'));
  // Listing filters rather than refuses.
  assert.deepEqual(
    (await albums.list(viewer, { perPage: 10 })).items.map((a) => a.public_id),
    ['mine'],
  );

  // A token that may delete in `mine` but not upload into `theirs` moves nothing.
  const deleter = await tenant.restricted({ mine: { Access: { see: true, image_delete: true } } });
  await assert.rejects(moves.move(deleter, { [kept]: 'theirs' }), appError('forbidden'));
  assert.deepEqual(
    [await albums.find(tenant.admin, 'mine'), await albums.find(tenant.admin, 'theirs')].map((a) => a.images_count),
    [1, 1],
  );
  // Uploading into a named album id lets the token bring that very album into being.
  const uploader = await tenant.restricted({ provisioned: { Access: { image_upload: true, see: true } } });
  assert.equal((await albums.create(uploader, 'provisioned')).public_id, 'provisioned');
  await images.delete(tenant.admin, other);
  await assert.rejects(trash.restore(viewer, other), appError('forbidden'));
});

test("organization B's caller never sees nor changes organization A's albums and images", async () => {
  const a = await newTenant(medium);
  const b = await newTenant(medium);
  const { albums, images, downloads, tags, moves, trash, albumRenames } = medium.services;
  const live = await upload(medium, a.admin, 'shared-name', 'pic');
  const trashed = await upload(medium, a.admin, 'shared-name', 'gone');
  await images.delete(a.admin, trashed);

  await assert.rejects(albums.find(b.admin, 'shared-name'), appError('not_found'));
  await assert.rejects(images.list(b.admin, 'shared-name', { perPage: 5 }), appError('not_found'));
  await assert.rejects(images.delete(b.admin, live), appError('not_found'));
  await assert.rejects(images.deleteMany(b.admin, [live]), appError('not_found'));
  await assert.rejects(trash.restore(b.admin, trashed), appError('not_found'));
  await assert.rejects(moves.move(b.admin, { [live]: 'loot' }), appError('not_found'));
  await assert.rejects(albumRenames.update(b.admin, 'shared-name', { newPublicId: 'x', merge: false }), appError('not_found'));
  await assert.rejects(albums.duplicate(b.admin, 'shared-name', { destinationId: 'copy', copyTags: false }), appError('not_found'));
  await assert.rejects(albums.uploadDone(b.admin, 'shared-name'), appError('not_found'));
  await assert.rejects(downloads.image(b.admin, live, 'full'), appError('not_found'));
  await assert.rejects(tags.tag(b.admin, live, 'mine-now'), appError('not_found'));
  assert.equal((await albums.list(b.admin, { perPage: 10 })).total, 0);
  assert.equal((await trash.listTrash(b.admin, undefined, { perPage: 10 })).total, 0);
  assert.equal((await trash.purgeTrash({ organizationId: b.organizationId, now: new Date(Date.now() + 1e12) })).images, 0);

  // Opening the same public_id in B makes B's own album; A's stays as it was.
  const opened = await albums.get(b.admin, 'shared-name');
  assert.equal(opened.organization_id, b.organizationId);
  assert.equal(opened.images_count, 0);
  await upload(medium, b.admin, 'shared-name', 'pic');
  const own = await albums.find(a.admin, 'shared-name');
  assert.equal(own.organization_id, a.organizationId);
  assert.deepEqual([own.images_count, own.trashed_count], [1, 1]);
  assert.deepEqual(
    (await images.list(a.admin, 'shared-name', { perPage: 5 })).items.map((i) => i.id),
    [live],
  );
  const inB = await images.list(b.admin, 'shared-name', { perPage: 5 });
  assert.equal(inB.total, 1);
  assert.notEqual(inB.items[0]?.id, live);
});
