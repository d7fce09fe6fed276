/**
 * The albums repository's creation rules on the test database (SQLite, or PostgreSQL with
 * TEST_DATABASE=postgres): findOrCreate is no error when the album exists, even inside a
 * transaction (where a failed insert would abort the transaction on PostgreSQL); create and
 * rename report a taken id as AlbumIdTakenError; image-count changes are summed per album.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrations.ts';
import { AlbumIdTakenError } from '../../src/repositories/albums.repository.ts';
import { type Repositories, repositoriesOver } from '../../src/repositories/index.ts';
import { createPostgresDatabase, usingPostgres } from '../helpers/database.ts';
import { tempDir } from '../helpers/server.ts';

let db: Db;
let repos: Repositories;
let drop: () => Promise<void> = async () => {};
let organizationId: string;

before(async () => {
  let url = `sqlite://${tempDir('albums-repository')}/albums.sqlite`;
  if (usingPostgres()) ({ url, drop } = await createPostgresDatabase());
  db = openDatabase(url);
  await migrate(db.kysely);
  repos = repositoriesOver(db.kysely);
  organizationId = randomUUID();
  await repos.organizations.create({ id: organizationId, name: 'Albums', webhook_url: null, created_at: new Date().toISOString() });
});

after(async () => {
  await db.close();
  await drop();
});

test('findOrCreate creates once and then finds the same album, inside a transaction too', async () => {
  const created = await repos.albums.findOrCreate(organizationId, 'opened');
  assert.equal(created.public_id, 'opened');
  assert.equal(created.images_count, 0);
  const again = await repos.transaction(async (trx) => {
    const found = await trx.albums.findOrCreate(organizationId, 'opened');
    // The transaction is still usable after the insert that did nothing.
    await trx.albums.addToImagesCounts(organizationId, [[found.id, 1]]);
    return found;
  });
  assert.equal(again.id, created.id);
  assert.equal((await repos.albums.findById(organizationId, created.id))?.images_count, 1);
});

test('create and rename onto a taken id fail with AlbumIdTakenError', async () => {
  await repos.albums.create(organizationId, 'taken');
  await assert.rejects(repos.albums.create(organizationId, 'taken'), (err) => err instanceof AlbumIdTakenError && err.publicId === 'taken');
  const other = await repos.albums.create(organizationId, 'other');
  await assert.rejects(repos.albums.rename(organizationId, other.id, 'taken', new Date().toISOString()), AlbumIdTakenError);
});

test('image-count changes are summed per album', async () => {
  const a = await repos.albums.create(organizationId);
  const b = await repos.albums.create(organizationId);
  await repos.albums.addToImagesCounts(organizationId, [
    [a.id, 3],
    [b.id, 2],
    [a.id, -1],
    [b.id, -2],
  ]);
  assert.equal((await repos.albums.findById(organizationId, a.id))?.images_count, 2);
  assert.equal((await repos.albums.findById(organizationId, b.id))?.images_count, 0);
});
