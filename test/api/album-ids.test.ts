/**
 * Album ids chosen by clients: control characters, blank ids and ids with leading or
 * trailing spaces are refused with a 400 that says what is allowed, wherever an id is
 * given to a new or renamed album (create, rename, duplicate, move).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { albumWithImages } from '../helpers/album-ops.ts';
import { call, newTenant, startTestServer, type Tenant, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let tenant: Tenant;

before(async () => {
  server = await startTestServer();
  tenant = await newTenant(server);
});
after(() => server.stop());

const BAD_IDS = ['a\u0000b', '\u0000', 'tab\there', 'new\nline', 'del\u007f', 'c1\u0085', '   ', ' lead', 'trail ', '\u00a0nbsp', 'ls\u2028'];
const GOOD_IDS = ['crm 1234', 'Été-2024', 'x.y_z-1', '名前', 'a+b=c'];

function assertExplained(res: { status: number; text: string; body: unknown }, id: string): void {
  assert.equal(res.status, 400, res.text);
  const { error } = res.body as { error: { status: number; message: string } };
  assert.equal(error.status, 400);
  // NUL is refused in every parameter (no-nul.ts), before the album id rule is reached.
  if (id.includes('\u0000')) return assert.match(error.message, /NUL character/);
  assert.match(error.message, /printable characters/);
  assert.match(error.message, /no control characters/);
}

describe('a bad album id is a 400 saying what is allowed', () => {
  for (const id of BAD_IDS) {
    test(`create ${JSON.stringify(id)} (form and JSON)`, async () => {
      assertExplained(await call(server, 'POST', '/api/v1/albums', { token: tenant.token, form: { 'album[public_id]': id } }), id);
      assertExplained(await call(server, 'POST', '/api/v1/albums', { token: tenant.token, json: { public_id: id } }), id);
    });
  }

  test('rename, duplicate and move onto a bad id', async () => {
    const { album, imageIds } = await albumWithImages(server, tenant.token, 1);
    for (const id of BAD_IDS) {
      const path = `/api/v1/albums/${encodeURIComponent(album.id)}`;
      assertExplained(await call(server, 'PUT', path, { token: tenant.token, json: { album: { public_id: id } } }), id);
      assertExplained(await call(server, 'POST', `${path}/duplicate`, { token: tenant.token, json: { destination_id: id } }), id);
      assertExplained(
        await call(server, 'POST', '/api/v1/images/move', { token: tenant.token, json: { move_operations: { [imageIds[0]!]: id } } }),
        id,
      );
    }
  });
});

test('printable ids in any script, with inner spaces, are accepted and come back as given', async () => {
  for (const id of GOOD_IDS) {
    const res = await call<{ id: string }>(server, 'POST', '/api/v1/albums', { token: tenant.token, json: { public_id: id } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.id, id);
  }
});
