/**
 * The counters list totals come from are exact: after every kind of operation that creates,
 * removes or moves albums and images (create, open on first use, upload, register, duplicate,
 * rename, merge, move, copy, image duplicate, delete to the trash, restore, purge), each
 * album's `images_count` and `trashed_count` and the organization's counters equal COUNT(*)
 * of the rows, and X-Total-Count says the same. Migration 0008 keeps an existing database's
 * rows and recomputes the counts from them (on SQLite it rebuilds `albums` WITHOUT ROWID, its
 * foreign keys intact).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrations.ts';
import * as fixtures from '../fixtures/images.ts';
import { PLAIN_IMAGE } from '../helpers/image-rows.ts';
import { albumWithImages, assertCountersExact, notify } from '../helpers/album-ops.ts';
import { createPostgresDatabase, usingPostgres } from '../helpers/database.ts';
import { call, newTenant, startTestServer, tempDir, type Tenant, type TestServer } from '../helpers/server.ts';
import { createAlbum, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';

describe('counters through every operation', () => {
  let server: TestServer;
  let t: Tenant;
  before(async () => {
    server = await startTestServer();
    t = await newTenant(server);
  });
  after(() => server.stop());

  const ok = async (method: string, path: string, options: Parameters<typeof call>[3] = {}) => {
    const res = await call<Record<string, unknown>>(server, method, path, { token: t.token, ...options });
    assert.equal(res.status, 200, `${method} ${path}: ${res.text}`);
    return res;
  };
  const idsOf = async (albumId: string) =>
    (await ok('GET', `/api/v1/albums/${encodeURIComponent(albumId)}/images?per_page=500`)).body as unknown as Array<{ id: string; public_id: string }>;
  const trashIds = (imageIds: string[]) => ok('DELETE', '/api/v1/images', { form: imageIds.map((id) => `image_ids[]=${id}`).join('&') });
  const totals = async () => {
    const albums = await ok('GET', '/api/v1/albums?per_page=1');
    const trash = await ok('GET', '/api/v1/trashed_images?per_page=1');
    return { albums: Number(albums.headers.get('x-total-count')), trash: Number(trash.headers.get('x-total-count')) };
  };
  const check = async (step: string) => {
    await assertCountersExact(server.db.kysely, t.organizationId, step);
    const albums = await server.db.kysely.selectFrom('albums').select((eb) => eb.fn.countAll<number>().as('n')).where('organization_id', '=', t.organizationId).executeTakeFirstOrThrow();
    const trash = await server.db.kysely
      .selectFrom('images')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', t.organizationId)
      .where('deleted_at', 'is not', null)
      .executeTakeFirstOrThrow();
    assert.deepEqual(await totals(), { albums: Number(albums.n), trash: Number(trash.n) }, `${step}: X-Total-Count`);
  };

  test('create, upload, trash, restore, duplicate, rename, merge, move, copy, image duplicate, purge', async () => {
    await check('empty');
    const a = await albumWithImages(server, t.token, 5, 'count-a');
    const b = await albumWithImages(server, t.token, 3, 'count-b');
    await check('create and upload');
    await ok('GET', '/api/v1/albums/opened-on-first-use');
    await check('opened by GET');

    // B shows one of A's pictures, trashed: A's duplicate into B replaces it.
    await notify(server, b.album, a.publicIds[0]!);
    const clash = (await idsOf('count-b')).find((i) => i.public_id === a.publicIds[0])!;
    await trashIds([clash.id, b.imageIds[0]!]);
    await check('trash');
    await trashIds([a.imageIds[4]!]);
    await ok('DELETE', `/api/v1/trashed_images/${b.imageIds[0]}`);
    await check('restore');
    await ok('POST', '/api/v1/albums/count-a/duplicate', { form: { destination_id: 'count-a-copy' } });
    await check('duplicate into a new album');
    await ok('POST', '/api/v1/albums/count-a/duplicate', { form: { destination_id: 'count-b' } });
    await check('duplicate into an album holding a trashed copy');

    await ok('PUT', '/api/v1/albums/count-a-copy', { form: { 'album[public_id]': 'count-c' } });
    await check('rename');
    // C (copies of A's live images) merges into A: clashes on every picture, A's trashed one too.
    const c = await idsOf('count-c');
    await trashIds([c[0]!.id]);
    await ok('PUT', '/api/v1/albums/count-c', { form: { 'album[public_id]': 'count-a', merge: 'true' } });
    await check('merge');

    // Moves: one to a new album, one onto a picture B already shows (dropped), one where B holds it trashed.
    const inA = await idsOf('count-a');
    const inB = await idsOf('count-b');
    await notify(server, b.album, inA[1]!.public_id);
    await notify(server, b.album, inA[2]!.public_id);
    const trashedInB = (await idsOf('count-b')).find((i) => i.public_id === inA[2]!.public_id)!;
    await trashIds([trashedInB.id]);
    await check('setup of the moves');
    const moved = await ok('POST', '/api/v1/images/move', {
      form: `move_operations[${inA[0]!.id}]=count-new&move_operations[${inA[1]!.id}]=count-b&move_operations[${inA[2]!.id}]=count-b&move_operations[${inB[0]!.id}]=count-a`,
    });
    assert.deepEqual(moved.body.dropped_duplicates, [inA[1]!.id], 'B showed that picture already');
    await check('move');

    // A copy into an album holding the picture trashed replaces that row.
    const d = await albumWithImages(server, t.token, 1, 'count-d');
    const [inB2] = await idsOf('count-b');
    await notify(server, d.album, inB2!.public_id);
    const occupant = (await idsOf('count-d')).find((i) => i.public_id === inB2!.public_id)!;
    await trashIds([occupant.id]);
    await ok('POST', '/api/v1/images/copy', { json: { image_ids: [inB2!.id, d.imageIds[0]], album_id: 'count-d' } });
    await check('copy into an existing album');
    await ok('POST', '/api/v1/images/copy', { json: { image_ids: [inB2!.id], album_id: 'count-e' } });
    await check('copy into a new album');

    // A real upload, registered, then duplicated (its own original, through the host).
    const e = await createAlbum(server, t.token, 'count-real');
    assert.equal((await uploadToAlbum(e, await fixtures.solidColor(tempDir('counters'), '#224488'))).status, 200);
    const [uploaded] = await waitForImages(server, t.token, 'count-real', 1);
    await check('upload through the host');
    await ok('POST', `/api/v1/images/${(uploaded as { id: string }).id}/duplicate`);
    await check('image duplicate');

    // The purge: everything trashed, aged past TRASH_DAYS.
    await server.db.kysely
      .updateTable('images')
      .set({ deleted_at: new Date(Date.now() - 40 * 24 * 3600 * 1000).toISOString() })
      .where('organization_id', '=', t.organizationId)
      .where('deleted_at', 'is not', null)
      .execute();
    await server.registry.get('api.purge_trash')!.run({ v: 1, organization_id: t.organizationId } as never);
    await check('purge');
    assert.equal((await totals()).trash, 0);
  });
});

describe('migration 0008 on an existing database', () => {
  test('rows kept, counts recomputed, keys and cascades intact', { timeout: 60_000 }, async () => {
    const pgDatabase = usingPostgres() ? await createPostgresDatabase() : null;
    const url = pgDatabase ? pgDatabase.url : `sqlite://${join(tempDir('migrate-0008'), 'album-api.sqlite')}`;
    const db = openDatabase(url, { poolSize: 2 });
    try {
      const k = db.kysely;
      await migrate(k, { upTo: '0007_shares' });
      const at = (n: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString();
      await k.insertInto('organizations').values([{ id: 'org-1', name: 'One', created_at: at(0) }, { id: 'org-2', name: 'Two', created_at: at(0) }]).execute();
      // Counts deliberately wrong: the migration recomputes them.
      await k
        .insertInto('albums')
        .values([
          { id: 'al-1', organization_id: 'org-1', public_id: 'first', images_count: 7, views_count: 3, created_at: at(1), updated_at: at(1) },
          { id: 'al-2', organization_id: 'org-1', public_id: 'second', images_count: 0, views_count: 0, created_at: at(2), updated_at: at(2) },
          { id: 'al-3', organization_id: 'org-2', public_id: 'first', images_count: 0, views_count: 1, created_at: at(3), updated_at: at(3) },
        ])
        .execute();
      const image = (id: string, albumId: string, organizationId: string, deletedAt: string | null) => ({
        id,
        organization_id: organizationId,
        album_id: albumId,
        public_id: `p/${id}`,
        version: 1,
        type: 'authenticated',
        format: 'jpg',
        width: 1,
        height: 1,
        original_width: 1,
        original_height: 1,
        size: 1,
        ...PLAIN_IMAGE,
        created_at: at(10),
        updated_at: at(10),
        deleted_at: deletedAt,
      });
      await k
        .insertInto('images')
        .values([
          image('im-1', 'al-1', 'org-1', null),
          image('im-2', 'al-1', 'org-1', at(20)),
          image('im-3', 'al-1', 'org-1', at(21)),
          image('im-4', 'al-2', 'org-1', null),
          image('im-5', 'al-3', 'org-2', at(22)),
        ])
        .execute();
      await k.insertInto('album_views').values({ album_id: 'al-1', viewer_key: 'v', last_counted_at: at(30) }).execute();
      await k
        .insertInto('shares')
        .values({ id: 'sh-1', organization_id: 'org-1', album_id: 'al-1', selected: 1, expires_at: null, allow_download: 0, password_hash: null, user_id: null, secret_id: null, created_at: at(31) })
        .execute();
      await k.insertInto('share_images').values({ share_id: 'sh-1', image_id: 'im-1' }).execute();
      await k.insertInto('upload_batches').values({ id: 'ub-1', organization_id: 'org-1', album_id: 'al-2', images_count: 1, user_id: null, secret_id: null, created_at: at(32) }).execute();

      await migrate(k);

      const albums = await k.selectFrom('albums').selectAll().orderBy('id').execute();
      assert.deepEqual(
        albums.map((a) => [a.id, a.organization_id, a.public_id, Number(a.images_count), Number(a.trashed_count), Number(a.views_count), a.created_at]),
        [
          ['al-1', 'org-1', 'first', 1, 2, 3, at(1)],
          ['al-2', 'org-1', 'second', 1, 0, 0, at(2)],
          ['al-3', 'org-2', 'first', 0, 1, 1, at(3)],
        ],
      );
      await assertCountersExact(k, 'org-1', 'migrated');
      await assertCountersExact(k, 'org-2', 'migrated');
      if (!pgDatabase) {
        const table = await sql<{ sql: string }>`select sql from sqlite_master where name = 'albums'`.execute(k);
        assert.match(table.rows[0]!.sql, /without rowid/i);
        assert.deepEqual((await sql`pragma foreign_keys`.execute(k)).rows, [{ foreign_keys: 1 }], 'foreign keys on again');
        assert.deepEqual((await sql`pragma foreign_key_check`.execute(k)).rows, []);
      }
      // Keys still hold: an image of no album, a second album under a taken public id.
      await assert.rejects(k.insertInto('images').values(image('im-x', 'no-such-album', 'org-1', null)).execute());
      await assert.rejects(
        k.insertInto('albums').values({ id: 'al-x', organization_id: 'org-1', public_id: 'first', created_at: at(40), updated_at: at(40) }).execute(),
      );
      // Counters follow new and removed albums; the views cascade with their album.
      await k.insertInto('albums').values({ id: 'al-4', organization_id: 'org-1', public_id: 'third', created_at: at(41), updated_at: at(41) }).execute();
      await assertCountersExact(k, 'org-1', 'after an insert');
      await k.deleteFrom('upload_batches').execute();
      await k.deleteFrom('images').where('album_id', '=', 'al-2').execute();
      await k.deleteFrom('albums').where('id', '=', 'al-2').execute();
      await assertCountersExact(k, 'org-1', 'after a delete');
      await k.deleteFrom('share_images').execute();
      await k.deleteFrom('shares').execute();
      await k.deleteFrom('images').where('album_id', '=', 'al-1').execute();
      await k.updateTable('albums').set({ images_count: 0, trashed_count: 0 }).where('id', '=', 'al-1').execute();
      await k.updateTable('organization_counters').set({ trashed_images: 0 }).where('organization_id', '=', 'org-1').execute();
      await k.deleteFrom('albums').where('id', '=', 'al-1').execute();
      assert.deepEqual(await k.selectFrom('album_views').selectAll().execute(), [], 'views went with their album');
      await assertCountersExact(k, 'org-1', 'after the cascade');
    } finally {
      await db.close();
      await pgDatabase?.drop();
    }
  });
});
