/**
 * Lists by page and by cursor: the album list, an album's images (every order, a tag filter,
 * the token's Sort) and the trash. Walking the `Link: <...>; rel="next"` headers from the
 * first page visits exactly the rows of the whole list, in its order, ties included; `page=N`
 * gives the same slices (pages past the middle are read from the other end); X-Total-Count is
 * the whole list's on every page; a cursor of another list, order or filter is a 400.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { albumWithImages, notify } from '../helpers/album-ops.ts';
import { call, newTenant, startTestServer, type Tenant, type TestServer, tokenWith } from '../helpers/server.ts';
import { createAlbum } from '../helpers/uploads.ts';

interface Row {
  id: string;
}

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

const ids = (rows: Row[]) => rows.map((r) => r.id);

/** Every row of a list, in one request (the lists here are far below 500). */
async function whole(path: string, token: string): Promise<string[]> {
  const sep = path.includes('?') ? '&' : '?';
  const res = await call<Row[]>(server, 'GET', `${path}${sep}per_page=500`, { token });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('link'), null, 'one page: no next one');
  assert.equal(res.headers.get('x-next-cursor'), null);
  return ids(res.body);
}

/** Follows Link rel="next" from the first page of `perPage` rows; checks the headers of each page. */
async function walk(path: string, token: string, perPage: number, total: number): Promise<string[]> {
  const sep = path.includes('?') ? '&' : '?';
  let next: string | null = `${path}${sep}per_page=${perPage}`;
  const out: string[] = [];
  for (let pages = 0; next; pages++) {
    assert.ok(pages <= total / perPage + 1, 'the walk ends');
    const res: Awaited<ReturnType<typeof call<Row[]>>> = await call<Row[]>(server, 'GET', next, { token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-total-count'), String(total), `${next}: the whole list's total`);
    assert.equal(res.headers.get('x-per-page'), String(perPage));
    out.push(...ids(res.body));
    const link = res.headers.get('link');
    const cursor = res.headers.get('x-next-cursor');
    if (link === null) {
      assert.equal(cursor, null, 'no Link, no X-Next-Cursor');
      assert.ok(res.body.length <= perPage);
      break;
    }
    assert.equal(res.body.length, perPage, 'only the last page is short');
    const match = /^<([^>]+)>; rel="next"$/.exec(link);
    assert.ok(match, link);
    const url = new URL(match[1]!, 'http://x');
    assert.equal(url.pathname, path.split('?')[0], 'the same list');
    assert.equal(url.searchParams.get('cursor'), cursor, 'Link carries X-Next-Cursor');
    assert.equal(url.searchParams.get('page'), null);
    next = match[1]!;
  }
  return out;
}

/** Every page by number, one past the end included (empty). */
async function byPage(path: string, token: string, perPage: number, total: number): Promise<string[]> {
  const sep = path.includes('?') ? '&' : '?';
  const out: string[] = [];
  const pages = Math.ceil(total / perPage);
  for (let page = 1; page <= pages + 1; page++) {
    const res = await call<Row[]>(server, 'GET', `${path}${sep}per_page=${perPage}&page=${page}`, { token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-total-count'), String(total));
    assert.equal(res.headers.get('x-page'), String(page));
    if (page > pages) assert.deepEqual(res.body, [], 'past the end: nothing');
    // A numbered page names the next page's cursor too, so a client may switch to cursors.
    assert.equal(res.headers.get('x-next-cursor') !== null, page < pages, `page ${page} of ${pages}: a next cursor until the last`);
    out.push(...ids(res.body));
  }
  return out;
}

/** The whole list, by cursor walk and by numbered pages, at several page sizes. */
async function assertPaged(path: string, token: string, expectedTotal?: number): Promise<string[]> {
  const all = await whole(path, token);
  if (expectedTotal !== undefined) assert.equal(all.length, expectedTotal);
  for (const perPage of [1, 2, 3]) {
    assert.deepEqual(await walk(path, token, perPage, all.length), all, `${path}: cursor walk by ${perPage}`);
    assert.deepEqual(await byPage(path, token, perPage, all.length), all, `${path}: pages of ${perPage}`);
  }
  return all;
}

/** Gives rows the same sort-key values, so that pages must break the ties by id. */
async function tie(table: 'albums' | 'images', rowIds: string[], values: { created_at?: string; taken_at?: string | null; deleted_at?: string }) {
  await server.db.kysely.updateTable(table).set(values).where('id', 'in', rowIds).execute();
}

describe('GET /albums', () => {
  let t: Tenant;
  let albums: string[];
  before(async () => {
    t = await newTenant(server);
    albums = [];
    for (let i = 0; i < 7; i++) albums.push((await createAlbum(server, t.token, `paged-${i}`)).id);
    // Three albums created in the same millisecond.
    const rows = await server.db.kysely.selectFrom('albums').select('id').where('organization_id', '=', t.organizationId).where('public_id', 'in', albums.slice(2, 5)).execute();
    await tie('albums', rows.map((r) => r.id), { created_at: '2030-01-01T00:00:00.000Z' });
  });

  test('newest first, by cursor and by page alike; X-Total-Count from the counter', async () => {
    const all = await assertPaged('/api/v1/albums', t.token, 7);
    assert.deepEqual(all.slice(0, 3).sort(), albums.slice(2, 5).sort(), 'the tied (newest) albums first');
    assert.deepEqual(all.slice(3), [albums[6], albums[5], albums[1], albums[0]]);
  });

  test('a restricted token pages through its albums only', async () => {
    const mine = [albums[0]!, albums[3]!, albums[6]!];
    const token = await tokenWith(server, t.userId, Object.fromEntries(mine.map((id) => [id, { Access: { see: true } }])));
    const all = await assertPaged('/api/v1/albums', token, 3);
    assert.deepEqual([...all].sort(), [...mine].sort());
  });

  test('page and cursor together, a cursor that is not one, or one of another list: 400', async () => {
    const first = await call<Row[]>(server, 'GET', '/api/v1/albums?per_page=2', { token: t.token });
    const cursor = first.headers.get('x-next-cursor')!;
    assert.ok(cursor);
    const both = await call(server, 'GET', `/api/v1/albums?page=2&cursor=${cursor}`, { token: t.token });
    assert.equal(both.status, 400, both.text);
    for (const bad of ['abc', Buffer.from('[1,"albums",""]').toString('base64url'), Buffer.from('{"x":1}').toString('base64url')]) {
      const res = await call<{ error: { message: string } }>(server, 'GET', `/api/v1/albums?cursor=${bad}`, { token: t.token });
      assert.equal(res.status, 400, res.text);
      assert.match(res.body.error.message, /cursor/i);
    }
    const { album } = await albumWithImages(server, t.token, 3);
    const images = await call(server, 'GET', `/api/v1/albums/${album.id}/images?per_page=1`, { token: t.token });
    const imageCursor = images.headers.get('x-next-cursor')!;
    assert.equal((await call(server, 'GET', `/api/v1/albums?cursor=${imageCursor}`, { token: t.token })).status, 400);
  });

  test('the cursor and Link appear in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; responses: Record<string, { headers?: Record<string, unknown> }> }>>;
    };
    for (const path of ['/api/v1/albums', '/api/v1/albums/{album_id}/images', '/api/v1/trashed_images']) {
      const op = doc.paths[path]!.get!;
      assert.ok(op.parameters?.some((p) => p.name === 'cursor' && p.in === 'query'), `${path}: cursor`);
      assert.deepEqual(Object.keys(op.responses['200']!.headers ?? {}).sort(), ['Link', 'X-Next-Cursor', 'X-Page', 'X-Per-Page', 'X-Total-Count'], path);
    }
  });
});

describe('GET /albums/:id/images', () => {
  let t: Tenant;
  let albumId: string;
  before(async () => {
    t = await newTenant(server);
    const album = await createAlbum(server, t.token, 'sorted');
    albumId = album.id;
    // Capture times with ties and gaps, and uploads in the same millisecond.
    const taken = ['2021:05:01 10:00:00', null, '2019:01:01 08:00:00', '2021:05:01 10:00:00', null, '2020:03:03 12:00:00', '2021:05:01 10:00:00', null, '2019:01:01 08:00:00'];
    for (const [i, when] of taken.entries()) {
      await notify(server, album, `sorted/${i}`, when ? { image_metadata: { DateTimeOriginal: when } } : {});
    }
    const rows = await server.db.kysely.selectFrom('images').select(['id', 'public_id']).where('organization_id', '=', t.organizationId).orderBy('public_id').execute();
    const idOf = (n: number) => rows.find((r) => r.public_id === `sorted/${n}`)!.id;
    await tie('images', [idOf(0), idOf(1), idOf(3), idOf(4)], { created_at: '2030-01-01T00:00:00.000Z' });
    for (const n of [0, 2, 5, 7]) {
      const res = await call(server, 'POST', `/api/v1/images/${idOf(n)}/tags`, { token: t.token, form: { tag: 'car' } });
      assert.equal(res.status, 200, res.text);
    }
  });

  test('every order and the tag filter, by cursor and by page alike', async () => {
    const path = `/api/v1/albums/${albumId}/images`;
    const newest = await assertPaged(path, t.token, 9);
    const oldest = await assertPaged(`${path}?sort=created_at&order=asc`, t.token, 9);
    assert.deepEqual(oldest, [...newest].reverse(), 'created_at asc is desc reversed');
    for (const order of ['asc', 'desc']) {
      const listed = await call<Array<Row & { taken_at: string | null }>>(server, 'GET', `${path}?sort=taken_at&order=${order}&per_page=500`, { token: t.token });
      const taken = listed.body.map((i) => i.taken_at);
      assert.deepEqual(taken.slice(6), [null, null, null], `${order}: undated images last`);
      const dated = taken.slice(0, 6) as string[];
      assert.deepEqual(dated, [...dated].sort((a, b) => (order === 'asc' ? a.localeCompare(b) : b.localeCompare(a))));
      await assertPaged(`${path}?sort=taken_at&order=${order}`, t.token, 9);
    }
    await assertPaged(`${path}?tag=car`, t.token, 4);
    await assertPaged(`${path}?tag=car&sort=taken_at&order=asc`, t.token, 4);
    await assertPaged(`${path}?tag=boat`, t.token, 0);
  });

  test("the token's Sort orders the pages; a cursor of another order or filter is a 400", async () => {
    const path = `/api/v1/albums/${albumId}/images`;
    const sorted = await tokenWith(server, t.userId, { [albumId]: { Access: { see: true, image_list: true } }, Sort: { field: 'taken_at', order: 'asc' } });
    const bySort = await assertPaged(path, sorted, 9);
    assert.deepEqual(bySort, await whole(`${path}?sort=taken_at&order=asc`, t.token));
    const first = await call(server, 'GET', `${path}?sort=taken_at&order=asc&per_page=2`, { token: t.token });
    const cursor = first.headers.get('x-next-cursor')!;
    assert.equal((await call(server, 'GET', `${path}?cursor=${cursor}&sort=taken_at&order=asc`, { token: t.token })).status, 200);
    assert.equal((await call(server, 'GET', `${path}?cursor=${cursor}`, { token: sorted })).status, 200, "the token's Sort is that order");
    for (const other of ['', '&sort=taken_at&order=desc', '&sort=created_at&order=asc', '&sort=taken_at&order=asc&tag=car']) {
      const res = await call(server, 'GET', `${path}?cursor=${cursor}${other}`, { token: t.token });
      assert.equal(res.status, 400, `${other}: ${res.text}`);
    }
  });
});

describe('GET /trashed_images', () => {
  test('most recently deleted first, by cursor and by page, for an album, a restricted token and the organization', async () => {
    const t = await newTenant(server);
    const a = await albumWithImages(server, t.token, 6, 'trash-a');
    const b = await albumWithImages(server, t.token, 3, 'trash-b');
    const del = async (imageIds: string[]) => {
      const res = await call(server, 'DELETE', '/api/v1/images', { token: t.token, form: imageIds.map((id) => `image_ids[]=${id}`).join('&') });
      assert.equal(res.status, 200, res.text);
    };
    await del(a.imageIds.slice(0, 4)); // one deletion: four images with the same deleted_at
    await del([b.imageIds[0]!]);
    await del([a.imageIds[4]!, b.imageIds[1]!]);
    await del([a.imageIds[5]!]);
    await del([b.imageIds[2]!]);
    // And a tie across albums.
    await tie('images', [a.imageIds[5]!, b.imageIds[2]!], { deleted_at: '2030-01-01T00:00:00.000Z' });

    const all = await assertPaged('/api/v1/trashed_images', t.token, 9);
    assert.deepEqual(all.slice(0, 2).sort(), [a.imageIds[5]!, b.imageIds[2]!].sort(), 'the latest deletion first');
    assert.deepEqual(all.slice(2, 4).sort(), [a.imageIds[4]!, b.imageIds[1]!].sort());
    const ofA = await assertPaged('/api/v1/trashed_images?album_id=trash-a', t.token, 6);
    assert.deepEqual(ofA, all.filter((id) => a.imageIds.includes(id)), "one album's trash in the same order");
    const onlyB = await tokenWith(server, t.userId, { 'trash-b': { Access: { see: true, trash: true } } });
    assert.deepEqual(await assertPaged('/api/v1/trashed_images', onlyB, 3), all.filter((id) => b.imageIds.includes(id)));

    const first = await call(server, 'GET', '/api/v1/trashed_images?album_id=trash-a&per_page=2', { token: t.token });
    const cursor = first.headers.get('x-next-cursor')!;
    assert.equal((await call(server, 'GET', `/api/v1/trashed_images?cursor=${cursor}`, { token: t.token })).status, 400, "another album's cursor");
  });
});
