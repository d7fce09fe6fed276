/**
 * The whole map of who may do what, table-driven: every route × {no ability, the needed
 * ability on another album, the needed ability, admin, another organization}, with the
 * status each must answer. Every refusal must leave the organization's rows exactly as they
 * were. Each cell gets a fresh organization with albums A and B (the targets) and C (the
 * "another album" of the second column). The rows are read per operation of the permission
 * table (src/auth/permissions.ts): an operation without a row fails, and each row's needs
 * must be what the table asks of its albums.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ADMIN_ONLY, type AlbumRule, type Operation, OPERATIONS } from '../../src/auth/permissions.ts';
import { StoredMedia } from '../../src/services/stored-media.ts';
import * as images from '../fixtures/images.ts';
import { albumWithImages, assertConsistent, notify, snapshot } from '../helpers/album-ops.ts';
import { call, newTenant, startTestServer, type Tenant, type TestServer, tempDir, tokenWith } from '../helpers/server.ts';

let server: TestServer;
/** A real photo, the stored original of A's images (downloads and duplicates read it). */
let photo: string;

before(async () => {
  server = await startTestServer();
  photo = await images.jpegWithGps(tempDir('permissions-matrix'));
});
after(() => server.stop());

interface Fixture {
  tenant: Tenant;
  /** A non-admin user of the same organization with full rights (no abilities in the token). */
  memberToken: string;
  a: string;
  b: string;
  c: string;
  /** Two live images in A, a trashed one in A, a live one in B. */
  imageA: string;
  imageA2: string;
  trashedA: string;
  imageB: string;
}

async function fixture(): Promise<Fixture> {
  const tenant = await newTenant(server);
  const member = await server.services.accounts.createUser({
    organizationId: tenant.organizationId,
    email: `member-${tenant.organizationId}@example.org`,
    admin: false,
  });
  const a = await albumWithImages(server, tenant.token, 3, 'album-a');
  const b = await albumWithImages(server, tenant.token, 1, 'album-b');
  await albumWithImages(server, tenant.token, 1, 'album-c');
  const trashed = await call(server, 'DELETE', `/api/v1/images/${a.imageIds[2]}`, { token: tenant.token });
  assert.equal(trashed.status, 204);
  // One picture in both A and B, as a duplicate leaves it: merges and moves meet it.
  await notify(server, b.album, a.publicIds[0]!);
  for (const publicId of a.publicIds) {
    const original = join(server.dataDir, 'media', StoredMedia.originalKey({ type: 'authenticated', public_id: publicId, version: 1, format: 'jpg' }));
    mkdirSync(dirname(original), { recursive: true });
    copyFileSync(photo, original);
  }
  return {
    tenant,
    memberToken: await server.services.accounts.userToken(member.public_id),
    a: 'album-a',
    b: 'album-b',
    c: 'album-c',
    imageA: a.imageIds[0]!,
    imageA2: a.imageIds[1]!,
    trashedA: a.imageIds[2]!,
    imageB: b.imageIds[0]!,
  };
}

type Grants = Record<string, string[]>;
type Column = 'none' | 'other' | 'needed' | 'admin' | 'foreign';

interface Request {
  method: string;
  path: string;
  form?: Record<string, string> | string;
  json?: unknown;
}

interface Row {
  route: string;
  /**
   * The operation of the permission table the route asks for, and its albums per role (none
   * for an admin-only operation); absent for routes every member may use.
   */
  access?: { operation: Operation; albums?(fx: Fixture): Record<string, string[]> };
  request(fx: Fixture): Request;
  /** The abilities the route needs, per album; 'member' for admin-only routes (a full-rights non-admin then fails). */
  needs(fx: Fixture): Grants | 'member';
  /** Statuses that differ from the default row. */
  expect?: Partial<Record<Column, number>>;
}

const DEFAULT: Record<Column, number> = { none: 403, other: 403, needed: 200, admin: 200, foreign: 404 };

const ROWS: Row[] = [
  {
    route: 'albums.get',
    access: { operation: 'albums.get', albums: (fx) => ({ album: [fx.a] }) },
    request: (fx) => ({ method: 'GET', path: `/api/v1/albums/${fx.a}` }),
    needs: (fx) => ({ [fx.a]: ['see'] }),
    // Another organization opens an album of its own under that id (its first use there).
    expect: { foreign: 200 },
  },
  {
    route: 'albums.list',
    access: { operation: 'albums.list', albums: (fx) => ({ album: [fx.a] }) },
    request: () => ({ method: 'GET', path: '/api/v1/albums' }),
    needs: (fx) => ({ [fx.a]: ['see'] }),
    // Listing filters rather than refuses (what is listed is checked below).
    expect: { none: 200, other: 200, foreign: 200 },
  },
  {
    route: 'albums.create',
    access: { operation: 'albums.create', albums: () => ({ album: ['album-new'] }) },
    request: () => ({ method: 'POST', path: '/api/v1/albums', form: { 'album[public_id]': 'album-new' } }),
    needs: () => ({ 'album-new': ['image_upload'] }),
    // Another organization creates its own album-new.
    expect: { foreign: 200 },
  },
  {
    route: 'images.list',
    access: { operation: 'images.list', albums: (fx) => ({ album: [fx.a] }) },
    request: (fx) => ({ method: 'GET', path: `/api/v1/albums/${fx.a}/images` }),
    needs: (fx) => ({ [fx.a]: ['image_list'] }),
  },
  {
    route: 'albums.update (rename)',
    access: { operation: 'albums.rename', albums: (fx) => ({ album: [fx.a] }) },
    request: (fx) => ({ method: 'PUT', path: `/api/v1/albums/${fx.a}`, form: { 'album[public_id]': 'album-renamed' } }),
    needs: (fx) => ({ [fx.a]: ['rename'] }),
  },
  {
    route: 'albums.update (merge)',
    access: { operation: 'albums.merge', albums: (fx) => ({ source: [fx.a], destination: [fx.b] }) },
    request: (fx) => ({ method: 'PUT', path: `/api/v1/albums/${fx.a}`, form: { 'album[public_id]': fx.b, merge: 'true' } }),
    needs: (fx) => ({ [fx.a]: ['rename'], [fx.b]: ['image_upload'] }),
  },
  {
    route: 'albums.duplicate',
    access: { operation: 'albums.duplicate', albums: (fx) => ({ source: [fx.a], destination: [fx.b] }) },
    request: (fx) => ({ method: 'POST', path: `/api/v1/albums/${fx.a}/duplicate`, form: { destination_id: fx.b, tags: 'true' } }),
    needs: (fx) => ({ [fx.a]: ['see', 'image_list'], [fx.b]: ['image_upload'] }),
  },
  {
    route: 'albums.duplicate (new destination)',
    access: { operation: 'albums.duplicate', albums: (fx) => ({ source: [fx.a], destination: ['album-copy'] }) },
    request: (fx) => ({ method: 'POST', path: `/api/v1/albums/${fx.a}/duplicate`, form: { destination_id: 'album-copy' } }),
    needs: (fx) => ({ [fx.a]: ['see', 'image_list'], 'album-copy': ['image_upload'] }),
  },
  {
    route: 'albums.uploadDone',
    access: { operation: 'albums.uploadDone', albums: (fx) => ({ album: [fx.a] }) },
    request: (fx) => ({ method: 'POST', path: `/api/v1/albums/${fx.a}/upload_done` }),
    needs: (fx) => ({ [fx.a]: ['image_upload'] }),
  },
  {
    route: 'images.move',
    access: { operation: 'images.move', albums: (fx) => ({ source: [fx.a], destination: [fx.b] }) },
    request: (fx) => ({ method: 'POST', path: '/api/v1/images/move', form: `move_operations[${fx.imageA}]=${fx.b}&move_operations[${fx.imageA2}]=${fx.b}` }),
    needs: (fx) => ({ [fx.a]: ['image_delete'], [fx.b]: ['image_upload'] }),
  },
  {
    route: 'images.move (new album)',
    access: { operation: 'images.move', albums: (fx) => ({ source: [fx.a], destination: ['album-new'] }) },
    request: (fx) => ({ method: 'POST', path: '/api/v1/images/move', json: { move_operations: { [fx.imageA]: 'album-new' } } }),
    needs: (fx) => ({ [fx.a]: ['image_delete'], 'album-new': ['image_upload'] }),
  },
  {
    route: 'images.delete',
    access: { operation: 'images.delete', albums: (fx) => ({ album: [fx.a] }) },
    request: (fx) => ({ method: 'DELETE', path: `/api/v1/images/${fx.imageA}` }),
    needs: (fx) => ({ [fx.a]: ['image_delete'] }),
    expect: { needed: 204, admin: 204 },
  },
  {
    route: 'images.deleteMany',
    access: { operation: 'images.delete', albums: (fx) => ({ album: [fx.a, fx.b] }) },
    request: (fx) => ({ method: 'DELETE', path: '/api/v1/images', form: `image_ids[]=${fx.imageA}&image_ids[]=${fx.imageB}` }),
    needs: (fx) => ({ [fx.a]: ['image_delete'], [fx.b]: ['image_delete'] }),
  },
  {
    route: 'images.get',
    access: { operation: 'images.get', albums: (fx) => ({ album: [fx.a] }) },
    request: (fx) => ({ method: 'GET', path: `/api/v1/images/${fx.imageA}` }),
    needs: (fx) => ({ [fx.a]: ['see'] }),
  },
  {
    route: 'images.update (caption)',
    access: { operation: 'images.caption', albums: (fx) => ({ album: [fx.a] }) },
    request: (fx) => ({ method: 'PUT', path: `/api/v1/images/${fx.imageA}`, form: { 'image[title]': 'Front', 'image[metadatas]': '{"k":1}' } }),
    needs: (fx) => ({ [fx.a]: ['image_caption'] }),
  },
  {
    route: 'images.update (rotate)',
    access: { operation: 'images.rotate', albums: (fx) => ({ album: [fx.a] }) },
    request: (fx) => ({ method: 'PUT', path: `/api/v1/images/${fx.imageA}`, json: { image: { rotation: 90 } } }),
    needs: (fx) => ({ [fx.a]: ['image_rotate'] }),
  },
  {
    route: 'images.update (crop)',
    access: { operation: 'images.crop', albums: (fx) => ({ album: [fx.a] }) },
    request: (fx) => ({ method: 'PUT', path: `/api/v1/images/${fx.imageA}`, json: { image: { crop: { x: 1, y: 1, width: 5, height: 5 } } } }),
    needs: (fx) => ({ [fx.a]: ['image_crop'] }),
  },
  {
    route: 'images.tag',
    access: { operation: 'images.tag', albums: (fx) => ({ album: [fx.a] }) },
    request: (fx) => ({ method: 'POST', path: `/api/v1/images/${fx.imageA}/tags`, form: { tag: 'car' } }),
    needs: (fx) => ({ [fx.a]: ['image_tag'] }),
  },
  {
    route: 'tags.apply',
    access: { operation: 'images.tag', albums: (fx) => ({ album: [fx.a, fx.b] }) },
    request: (fx) => ({ method: 'POST', path: '/api/v1/tags/car/images', form: `image_ids[]=${fx.imageA}&image_ids[]=${fx.imageB}` }),
    needs: (fx) => ({ [fx.a]: ['image_tag'], [fx.b]: ['image_tag'] }),
  },
  {
    route: 'tags.put',
    access: { operation: 'tags.manage' },
    request: () => ({ method: 'POST', path: '/api/v1/tags', json: { name: 'car', labels: { en: 'car' } } }),
    needs: () => 'member',
    expect: { needed: 403, foreign: 200 },
  },
  {
    route: 'tags.list',
    request: () => ({ method: 'GET', path: '/api/v1/tags' }),
    needs: () => 'member',
    expect: { none: 200, other: 200, needed: 200, foreign: 200 },
  },
  {
    route: 'trash.list',
    access: { operation: 'trash.list', albums: (fx) => ({ album: [fx.a] }) },
    request: (fx) => ({ method: 'GET', path: `/api/v1/trashed_images?album_id=${fx.a}` }),
    needs: (fx) => ({ [fx.a]: ['trash'] }),
  },
  {
    route: 'trash.list (every album)',
    access: { operation: 'trash.list', albums: (fx) => ({ album: [fx.a] }) },
    request: () => ({ method: 'GET', path: '/api/v1/trashed_images' }),
    needs: (fx) => ({ [fx.a]: ['trash'] }),
    // Another album's trash is a trash too (just not A's: checked below); another organization sees its own.
    expect: { other: 200, foreign: 200 },
  },
  {
    route: 'trash.restore',
    access: { operation: 'trash.restore', albums: (fx) => ({ album: [fx.a] }) },
    request: (fx) => ({ method: 'DELETE', path: `/api/v1/trashed_images/${fx.trashedA}` }),
    needs: (fx) => ({ [fx.a]: ['trash'] }),
  },
  {
    route: 'images.copy',
    access: { operation: 'images.copy', albums: (fx) => ({ source: [fx.a], destination: [fx.b] }) },
    request: (fx) => ({ method: 'POST', path: '/api/v1/images/copy', form: `image_ids[]=${fx.imageA}&image_ids[]=${fx.imageA2}&album_id=${fx.b}` }),
    needs: (fx) => ({ [fx.a]: ['image_copy'], [fx.b]: ['image_upload'] }),
  },
  {
    route: 'shares.create',
    access: { operation: 'albums.share', albums: (fx) => ({ album: [fx.a] }) },
    request: (fx) => ({ method: 'POST', path: `/api/v1/albums/${fx.a}/shares`, json: { image_ids: [fx.imageA] } }),
    needs: (fx) => ({ [fx.a]: ['Share'] }),
  },
  {
    route: 'shares.list',
    access: { operation: 'albums.share', albums: (fx) => ({ album: [fx.a] }) },
    request: (fx) => ({ method: 'GET', path: `/api/v1/albums/${fx.a}/shares` }),
    needs: (fx) => ({ [fx.a]: ['Share'] }),
  },
  {
    route: 'organization.update',
    access: { operation: 'organization.update' },
    request: () => ({ method: 'PUT', path: '/api/v1/organization', json: { webhook_url: 'https://hooks.example.org/x' } }),
    needs: () => 'member',
    // Admin-only: a full-rights member is refused; another organization's admin updates its own.
    expect: { needed: 403, foreign: 200 },
  },
  {
    route: 'secret.create',
    access: { operation: 'secrets.create' },
    request: () => ({ method: 'POST', path: '/api/v1/secret', form: { name: 'ci' } }),
    needs: () => 'member',
    expect: { needed: 403, foreign: 200 },
  },
  {
    route: 'images.register',
    access: { operation: 'images.upload', albums: (fx) => ({ album: [fx.a] }) },
    request: (fx) => ({ method: 'POST', path: `/api/v1/albums/${fx.a}/images`, json: { cloudinary: { public_id: 'unsigned', version: 1, signature: 'forged' } } }),
    needs: (fx) => ({ [fx.a]: ['image_upload'] }),
    // An answer the host did not sign: allowed callers get past the permission check to its 422.
    expect: { needed: 422, admin: 422, foreign: 422 },
  },
  {
    route: 'images.download',
    access: { operation: 'images.download', albums: (fx) => ({ album: [fx.a] }) },
    request: (fx) => ({ method: 'GET', path: `/api/v1/images/${fx.imageA}/download` }),
    needs: (fx) => ({ [fx.a]: ['image_download'] }),
  },
  {
    route: 'images.duplicate',
    access: { operation: 'images.duplicate', albums: (fx) => ({ album: [fx.a] }) },
    request: (fx) => ({ method: 'POST', path: `/api/v1/images/${fx.imageA}/duplicate` }),
    needs: (fx) => ({ [fx.a]: ['image_duplicate'] }),
  },
  {
    route: 'organization.get',
    request: () => ({ method: 'GET', path: '/api/v1/organization' }),
    needs: () => 'member',
    expect: { none: 200, other: 200, needed: 200, foreign: 200 },
  },
];

/** A token granting `grants` (an ability set to true); `deny` turns every one of them false. */
function abilities(grants: Grants, deny = false): Record<string, { Access: Record<string, boolean> }> {
  return Object.fromEntries(Object.entries(grants).map(([album, list]) => [album, { Access: Object.fromEntries(list.map((a) => [a, !deny])) }]));
}

/** The same abilities, all granted on album C instead. */
function onAnotherAlbum(grants: Grants, fx: Fixture): Grants {
  return { [fx.c]: [...new Set(Object.values(grants).flat())] };
}

async function tokenFor(column: Column, r: Row, fx: Fixture): Promise<string> {
  const needs = r.needs(fx);
  const grants: Grants = needs === 'member' ? { [fx.a]: ['see', 'image_list', 'image_upload', 'image_delete', 'rename', 'trash'] } : needs;
  switch (column) {
    case 'none':
      return tokenWith(server, fx.tenant.userId, abilities(grants, true));
    case 'other':
      return tokenWith(server, fx.tenant.userId, abilities(onAnotherAlbum(grants, fx)));
    case 'needed':
      return needs === 'member' ? fx.memberToken : tokenWith(server, fx.tenant.userId, abilities(grants));
    case 'admin':
      return fx.tenant.token;
    case 'foreign':
      return (await newTenant(server)).token;
  }
}

/** A row by its route name. */
const row = (route: string): Row => ROWS.find((r) => r.route === route)!;

/**
 * Cells that must leave the organization unchanged (refusals, reads, another organization)
 * share one fixture per row: each checks that it changed nothing, so none can spoil the next.
 * Cells that change it get their own.
 */
const unchangingFixtures = new Map<string, Promise<Fixture>>();

/** What the permission table asks of a row's albums, in the shape of `needs`. */
function tableNeeds(access: NonNullable<Row['access']>, fx: Fixture): Grants | 'member' {
  const rule: AlbumRule | typeof ADMIN_ONLY = OPERATIONS[access.operation];
  if (rule === ADMIN_ONLY) return 'member';
  const albums = access.albums?.(fx) ?? {};
  const needs: Record<string, Set<string>> = {};
  for (const [role, abilities] of Object.entries(rule)) {
    for (const album of albums[role] ?? []) for (const ability of abilities) (needs[album] ??= new Set()).add(ability);
  }
  return Object.fromEntries(Object.entries(needs).map(([album, abilities]) => [album, [...abilities]]));
}

/** The rows of each operation of the table, then those of routes any member may use. */
const groups: Array<[string, Row[]]> = [
  ...Object.keys(OPERATIONS).map((operation): [string, Row[]] => [operation, ROWS.filter((r) => r.access?.operation === operation)]),
  ['any member', ROWS.filter((r) => !r.access)],
];

describe('the permission matrix', () => {
  for (const [group, rows] of groups) {
    test(`${group}: has a row, each needing what the table asks`, async () => {
      assert.ok(rows.length > 0, `no route of the matrix exercises ${group}`);
      const fx = await unchangingFixture(rows[0]!.route);
      for (const r of rows) if (r.access) assert.deepEqual(r.needs(fx), tableNeeds(r.access, fx), r.route);
    });
  }
  for (const r of groups.flatMap(([, rows]) => rows)) {
    for (const column of ['none', 'other', 'needed', 'admin', 'foreign'] as const) {
      const status = r.expect?.[column] ?? DEFAULT[column];
      test(`${r.route} × ${column} → ${status}`, async () => {
        const probe = r.request(await unchangingFixture(r.route));
        const unchanging = status >= 400 || probe.method === 'GET' || column === 'foreign';
        const fx = unchanging ? await unchangingFixture(r.route) : await fixture();
        const token = await tokenFor(column, r, fx);
        const before = await snapshot(server, fx.tenant.organizationId);
        const request = r.request(fx);
        const res = await call<unknown>(server, request.method, request.path, { token, form: request.form, json: request.json });
        assert.equal(res.status, status, `${request.method} ${request.path}: ${res.text}`);
        const after = await snapshot(server, fx.tenant.organizationId);
        if (unchanging) assert.deepEqual(after, before, 'the organization is exactly as it was');
        assertConsistent(after);
        if (status >= 400) {
          const error = (res.body as { error: { status: number; message: string } }).error;
          assert.equal(error.status, status);
        }
      });
    }
  }

  function unchangingFixture(route: string): Promise<Fixture> {
    if (!unchangingFixtures.has(route)) unchangingFixtures.set(route, fixture());
    return unchangingFixtures.get(route)!;
  }

  test('listing shows only what the token may see', async () => {
    const fx = await fixture();
    const list = async (token: string) =>
      ((await call<Array<{ id: string }>>(server, 'GET', '/api/v1/albums', { token })).body.map((a) => a.id) ?? []).sort();
    assert.deepEqual(await list(await tokenWith(server, fx.tenant.userId, abilities({ [fx.a]: ['see'] }, true))), []);
    assert.deepEqual(await list(await tokenWith(server, fx.tenant.userId, abilities({ [fx.c]: ['see'] }))), [fx.c]);
    assert.deepEqual(await list(await tokenWith(server, fx.tenant.userId, abilities({ [fx.a]: ['see'] }))), [fx.a]);
    assert.deepEqual(await list(fx.tenant.token), [fx.a, fx.b, fx.c]);
    assert.deepEqual(await list((await newTenant(server)).token), []);
    const trash = async (token: string) =>
      (await call<Array<{ id: string }>>(server, 'GET', '/api/v1/trashed_images', { token })).body.map((i) => i.id);
    assert.deepEqual(await trash(await tokenWith(server, fx.tenant.userId, abilities({ [fx.c]: ['trash'] }))), []);
    assert.deepEqual(await trash(await tokenWith(server, fx.tenant.userId, abilities({ [fx.a]: ['trash'] }))), [fx.trashedA]);
  });
});

describe('half the needed abilities is not enough', () => {
  const cases: Array<[string, (fx: Fixture) => Request, (fx: Fixture) => Grants]> = [
    ['merge with rename on the source only', (fx) => row('albums.update (merge)').request(fx), (fx) => ({ [fx.a]: ['rename'] })],
    ['merge with image_upload on the destination only', (fx) => row('albums.update (merge)').request(fx), (fx) => ({ [fx.b]: ['image_upload'] })],
    ['duplicate with see but not image_list', (fx) => row('albums.duplicate').request(fx), (fx) => ({ [fx.a]: ['see'], [fx.b]: ['image_upload'] })],
    ['duplicate without image_upload on the destination', (fx) => row('albums.duplicate').request(fx), (fx) => ({ [fx.a]: ['see', 'image_list'] })],
    ['move without image_upload on the destination', (fx) => row('images.move').request(fx), (fx) => ({ [fx.a]: ['image_delete'] })],
    ['move with image_upload but not image_delete', (fx) => row('images.move').request(fx), (fx) => ({ [fx.a]: ['image_upload'], [fx.b]: ['image_upload'] })],
    ['delete of two albums with image_delete on one', (fx) => row('images.deleteMany').request(fx), (fx) => ({ [fx.a]: ['image_delete'] })],
    ['restore with image_delete instead of trash', (fx) => row('trash.restore').request(fx), (fx) => ({ [fx.a]: ['image_delete'] })],
    ['copy without image_upload on the destination', (fx) => row('images.copy').request(fx), (fx) => ({ [fx.a]: ['image_copy'] })],
    ['copy with image_upload but not image_copy', (fx) => row('images.copy').request(fx), (fx) => ({ [fx.a]: ['image_upload', 'see', 'image_list'], [fx.b]: ['image_upload'] })],
  ];
  for (const [name, request, grants] of cases) {
    test(`${name}: 403, nothing changed`, async () => {
      const fx = await fixture();
      const token = await tokenWith(server, fx.tenant.userId, abilities(grants(fx)));
      const before = await snapshot(server, fx.tenant.organizationId);
      const r = request(fx);
      const res = await call(server, r.method, r.path, { token, form: r.form, json: r.json });
      assert.equal(res.status, 403, res.text);
      assert.deepEqual(await snapshot(server, fx.tenant.organizationId), before);
    });
  }
});
