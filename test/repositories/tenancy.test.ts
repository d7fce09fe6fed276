/**
 * Repositories keep to the organization they are given: an album's rows, read or changed
 * through another organization's id, are not there (on the test database: SQLite, or
 * PostgreSQL with TEST_DATABASE=postgres).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrations.ts';
import type { Album } from '../../src/repositories/albums.repository.ts';
import type { ImageRow } from '../../src/repositories/images.repository.ts';
import { type Repositories, repositoriesOver } from '../../src/repositories/index.ts';
import { imageRow } from '../helpers/image-rows.ts';
import { createPostgresDatabase, usingPostgres } from '../helpers/database.ts';
import { tempDir } from '../helpers/server.ts';

let db: Db;
let repos: Repositories;
let drop: () => Promise<void> = async () => {};
let owner: string;
let stranger: string;
let album: Album;
let image: ImageRow;
const now = new Date().toISOString();

before(async () => {
  let url = `sqlite://${tempDir('tenancy-repository')}/tenancy.sqlite`;
  if (usingPostgres()) ({ url, drop } = await createPostgresDatabase());
  db = openDatabase(url);
  await migrate(db.kysely);
  repos = repositoriesOver(db.kysely);
  [owner, stranger] = [randomUUID(), randomUUID()];
  for (const id of [owner, stranger]) await repos.organizations.create({ id, name: id, webhook_url: null, created_at: now });
  album = await repos.albums.create(owner, 'mine');
  image = imageRow({
    organization_id: owner,
    album_id: album.id,
    public_id: 'photo',
    filename: 'photo.jpg',
    tags: JSON.stringify([{ name: 'red', labels: {} }]),
    created_at: now,
    updated_at: now,
  });
  const untagged = { ...image, id: randomUUID(), public_id: 'other', tags: '[]' };
  for (const row of [image, untagged]) assert.equal(await repos.images.insertOnce(owner, row), true);
  await repos.albums.addToImagesCounts(owner, [[album.id, 2]]);
});

after(async () => {
  await db.close();
  await drop();
});

test("an album's images are read through its organization only", async () => {
  const counted = [{ id: album.id, images_count: 2 }];
  // n: 1 for the owner, 0 for another organization.
  for (const [org, n] of [
    [owner, 1],
    [stranger, 0],
  ] as const) {
    assert.equal((await repos.images.listAfter(org, album.id, 10, null)).length, 2 * n);
    assert.equal((await repos.images.listPage(org, album.id, 10, 1)).length, n);
    assert.equal(await repos.images.countTagged(org, album.id, 'red'), n);
    assert.equal((await repos.images.findInAlbum(org, album.id, 'photo')) !== undefined, n === 1);
    assert.equal((await repos.images.liveCreatedBetween(org, album.id, null, now, 10)).length, 2 * n);
    assert.equal(await repos.images.countLiveCreatedBetween(org, album.id, null, now), 2 * n);
    assert.equal((await repos.images.newestByAlbum(org, counted, 4)).get(album.id)?.length, 2 * n);
    assert.equal((await repos.albumFiles.listLive(org, album.id)).length, 2 * n);
    assert.equal((await repos.albumFiles.findLive(org, album.id, [image.id])).length, n);
  }
});

test("another organization's id changes nothing of the album", async () => {
  await repos.albums.addToImagesCounts(stranger, [[album.id, 5]]);
  await repos.albums.addToViewsCount(stranger, album.id, 5);
  const unchanged = await repos.albums.findById(owner, album.id);
  assert.equal(unchanged?.images_count, 2);
  assert.equal(unchanged?.views_count, 0);
  assert.equal(await repos.albumViews.claim(stranger, album.id, 'viewer', now, now), false);
  assert.equal(await repos.albumViews.claim(owner, album.id, 'viewer', now, now), true);
});

test("one album's trash is listed through its organization only", async () => {
  const other = await repos.albums.create(owner, 'trashing');
  const trashed = { ...image, id: randomUUID(), album_id: other.id, deleted_at: now };
  assert.equal(await repos.images.insertOnce(owner, trashed), true);
  assert.deepEqual(
    (await repos.trash.listAfter(owner, [other.id], 10, null)).map((r) => r.id),
    [trashed.id],
  );
  assert.deepEqual(await repos.trash.listAfter(stranger, [other.id], 10, null), []);
  assert.deepEqual(await repos.trash.listPage(stranger, [other.id], 10, 1, 2), []);
});

test('a link selects only images of its organization', async () => {
  const share = { id: randomUUID(), organization_id: owner, album_id: album.id, selected: 1, expires_at: null, allow_download: 0, password_hash: null, user_id: null, secret_id: null, created_at: now };
  await repos.shares.create(owner, share, [image.id]);
  const foreign = await repos.albums.create(stranger, 'theirs');
  const theirs = { ...share, id: randomUUID(), organization_id: stranger, album_id: foreign.id };
  await repos.shares.create(stranger, theirs, [image.id]);
  assert.deepEqual((await repos.shares.selections(owner, [share.id])).get(share.id), [image.id]);
  assert.deepEqual((await repos.shares.selections(stranger, [theirs.id])).get(theirs.id), []);
  assert.deepEqual((await repos.shares.selections(stranger, [share.id])).get(share.id), []);
  const found = await repos.shares.find(owner, share.id);
  assert.ok(found);
  assert.equal(await repos.shares.countImages(owner, found), 1);
  assert.equal(await repos.shares.countImages(stranger, found), 0);
});
