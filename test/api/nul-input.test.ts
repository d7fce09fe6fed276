/**
 * A NUL character in any parameter (path, query, body, keys included) is a 400 on both
 * databases; PostgreSQL cannot even compare text holding one, so these were 500s there.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newTenant, startTestServer, type Tenant, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let tenant: Tenant;

before(async () => {
  server = await startTestServer();
  tenant = await newTenant(server);
});
after(() => server.stop());

test('NUL in a path, a query, a body value or a body key: 400 naming where', async () => {
  const cases: Array<[string, string, { json?: unknown }, RegExp]> = [
    ['GET', '/api/v1/albums/a%00b', {}, /^path\.id/],
    ['GET', '/api/v1/albums/a%00b/images', {}, /^path\.album_id/],
    ['GET', '/api/v1/albums?page=1&x=%00', {}, /^query\.x/],
    ['POST', '/api/v1/images/move', { json: { move_operations: { 'a\u0000': 'b' } } }, /^body\.move_operations\.a\\0/],
    ['DELETE', '/api/v1/images', { json: { image_ids: ['a\u0000'] } }, /^body\.image_ids\.0/],
  ];
  for (const [method, path, options, where] of cases) {
    const res = await call<{ error: { status: number; message: string } }>(server, method, path, { token: tenant.token, ...options });
    assert.equal(res.status, 400, `${method} ${path}: ${res.text}`);
    assert.match(res.body.error.message, where);
    assert.match(res.body.error.message, /NUL character/);
  }
  const delivery = await call<{ error: { message: string } }>(server, 'GET', `/${server.config.cloudinary.cloudName}/image/upload/v1/a%00b.jpg`);
  assert.equal(delivery.status, 400, delivery.text);
  assert.deepEqual(Object.keys(delivery.body.error), ['message']);
});
