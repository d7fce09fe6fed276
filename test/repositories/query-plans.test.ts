/**
 * The SQLite plans of the page queries: each reads from the index of the album or the
 * organization position it is given, never a search of a whole organization's rows (which
 * made the album list's thumbnails cost 27 ms instead of 2.6 at 10,000 albums: the
 * organization filter, carried over the media join, made image_media the outer loop). SQLite
 * plans without statistics, so the plan does not depend on how many rows the test writes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrations.ts';
import type { Album } from '../../src/repositories/albums.repository.ts';
import { type Repositories, repositoriesOver } from '../../src/repositories/index.ts';
import { imageRow } from '../helpers/image-rows.ts';
import { captureQueries, type QueryCapture } from '../helpers/query-capture.ts';
import { tempDir } from '../helpers/server.ts';

let db: Db;
let capture: QueryCapture;
let repos: Repositories;
const organizationId = randomUUID();
const albums: Album[] = [];

before(async () => {
  db = openDatabase(`sqlite://${tempDir('query-plans')}/plans.sqlite`);
  await migrate(db.kysely);
  capture = captureQueries(db.kysely);
  repos = repositoriesOver(capture.kysely);
  await repos.organizations.create({ id: organizationId, name: 'plans', webhook_url: null, created_at: new Date().toISOString() });
  for (let a = 0; a < 30; a++) {
    const album = await repos.albums.create(organizationId, `album-${a}`);
    for (let i = 0; i < 3; i++) await repos.images.insertOnce(organizationId, imageRow({ organization_id: organizationId, album_id: album.id, public_id: `p-${a}-${i}` }));
    await repos.albums.addToImagesCounts(organizationId, [[album.id, 3]]);
    albums.push({ ...album, images_count: 3 });
  }
});
after(() => db.close());

/** The plans of the queries `work` runs, one line per step. */
async function plansOf(work: () => Promise<unknown>): Promise<string[]> {
  const queries = await capture.during(work);
  assert.ok(queries.length > 0, 'the work ran queries');
  const plans: string[] = [];
  for (const query of queries) {
    const { rows } = await db.kysely.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]));
    plans.push(`${query.sql}\n${rows.map((r) => r.detail).join('\n')}`);
  }
  return plans;
}

/** A step that reads a table whole, or all of one organization's rows of it. */
const WHOLE = /^(SCAN (?!\(subquery|ranked|newest)\w+|SEARCH \w+ USING (COVERING )?INDEX \w+ \(organization_id=\?\))$/m;

const pages: Array<[string, () => Promise<unknown>]> = [
  ["the album list's thumbnails, small albums", () => repos.images.newestByAlbum(organizationId, albums.slice(0, 25), 4)],
  ["the album list's thumbnails, large albums", () => repos.images.newestByAlbum(organizationId, albums.slice(0, 25).map((a) => ({ ...a, images_count: 1000 })), 4)],
  ['the album list by cursor', () => repos.albums.listAfter(organizationId, null, 26, albums[10]!)],
  ["an album's images by cursor", () => repos.images.listAfter(organizationId, albums[0]!.id, 26, null)],
  ['the trash by cursor', () => repos.trash.listAfter(organizationId, null, 26, null)],
];

for (const [name, work] of pages) {
  test(`${name}: no step reads a whole table or organization`, async () => {
    for (const plan of await plansOf(work)) assert.doesNotMatch(plan, WHOLE, plan);
  });
}
