/**
 * A query compiled once and run with each call's values reads what the same query built
 * per call reads, under every value (on the test database: SQLite, or PostgreSQL with
 * TEST_DATABASE=postgres).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrations.ts';
import { repositoriesOver } from '../../src/repositories/index.ts';
import { PreparedQuery } from '../../src/repositories/prepared-query.ts';
import { createPostgresDatabase, usingPostgres } from '../helpers/database.ts';
import { tempDir } from '../helpers/server.ts';

let db: Db;
let drop: () => Promise<void> = async () => {};
const organizations = [randomUUID(), randomUUID()];

before(async () => {
  let url = `sqlite://${tempDir('prepared-query')}/prepared.sqlite`;
  if (usingPostgres()) ({ url, drop } = await createPostgresDatabase());
  db = openDatabase(url);
  await migrate(db.kysely);
  const repos = repositoriesOver(db.kysely);
  const now = new Date().toISOString();
  for (const id of organizations) {
    await repos.organizations.create({ id, name: id, webhook_url: null, created_at: now });
    // Ids that look like SQL, quotes and a placeholder's own name are values like any other.
    for (const publicId of ['a', 'b', "it's", '$1', '?', 'prepared-query-argument-1']) await repos.albums.create(id, publicId);
  }
});
after(async () => {
  await db.close();
  await drop();
});

test('each call reads with its own values, as the query built anew would', async () => {
  const prepared = new PreparedQuery(db.kysely, 2, (over, organizationId, publicId) =>
    over.selectFrom('albums').select(['organization_id', 'public_id']).where('organization_id', '=', organizationId).where('public_id', '=', publicId),
  );
  for (const organizationId of [...organizations, randomUUID()]) {
    for (const publicId of ['a', 'b', "it's", '$1', '?', 'prepared-query-argument-1', 'absent']) {
      const built = await db.kysely
        .selectFrom('albums')
        .select(['organization_id', 'public_id'])
        .where('organization_id', '=', organizationId)
        .where('public_id', '=', publicId)
        .execute();
      assert.deepEqual(await prepared.execute(organizationId, publicId), built, `${organizationId} ${publicId}`);
    }
  }
});

test('constants of the query stay as they were; an argument used twice takes its value twice', async () => {
  const prepared = new PreparedQuery(db.kysely, 1, (over, publicId) =>
    over
      .selectFrom('albums')
      .select('public_id')
      .where('organization_id', '=', organizations[0]!)
      .where((eb) => eb.or([eb('public_id', '=', publicId), eb('id', '=', publicId)])),
  );
  assert.deepEqual(await prepared.execute('b'), [{ public_id: 'b' }]);
  assert.deepEqual(await prepared.execute("it's"), [{ public_id: "it's" }]);
});

test('an argument that is not a parameter of the query is refused when it compiles, and so is a wrong count', async () => {
  const inlined = new PreparedQuery(db.kysely, 1, (over, name) => over.selectFrom('albums').select(sql.ref(name).as('x')));
  await assert.rejects(inlined.execute('public_id'), /argument 0 is not a parameter/);
  const prepared = new PreparedQuery(db.kysely, 1, (over, publicId) => over.selectFrom('albums').select('id').where('public_id', '=', publicId));
  await assert.rejects(prepared.execute('a', 'b'), RangeError);
});
