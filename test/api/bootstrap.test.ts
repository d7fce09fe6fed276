/**
 * The first start's default organization and admin: created once, even when several
 * processes (here: concurrent calls on one database) start together.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

test('bootstrap creates one organization and admin, once', async () => {
  const results = await Promise.all(Array.from({ length: 6 }, () => server.services.accounts.bootstrap()));
  const created = results.filter((r) => r !== null);
  assert.equal(created.length, 1);
  assert.equal(await server.services.accounts.bootstrap(), null, 'a later start creates nothing');
  const { organization, user } = created[0]!;
  assert.equal(user.admin, true);
  const token = await server.services.accounts.userToken(user.public_id);
  const me = await call<{ id: string }>(server, 'GET', '/api/v1/organization', { token });
  assert.equal(me.body.id, organization.id);
});
