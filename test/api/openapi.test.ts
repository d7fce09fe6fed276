/**
 * The OpenAPI document comes from the route schemas: every API operation is in it, with its
 * operation id, and the docs page is served.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

test('/openapi.json lists every API operation with its id and schemas', async () => {
  const res = await fetch(`${server.url}/openapi.json`);
  assert.equal(res.status, 200);
  const doc = (await res.json()) as {
    openapi: string;
    paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, unknown> }>>;
  };
  assert.match(doc.openapi, /^3\./);
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
  const ids = new Set(operations.map((o) => o.op.operationId));
  for (const id of ['albums.create', 'albums.get', 'albums.list', 'images.list', 'cloudinary.notify', 'user.get', 'organization.get', 'secret.create', 'token.create', 'health.get']) {
    assert.ok(ids.has(id), `${id} is documented`);
  }
  const create = doc.paths['/api/v1/albums']!.post!;
  assert.ok(create.responses?.['200'], 'the seed response is described');
  for (const { path, op } of operations.filter((o) => o.path.startsWith('/api/v1/'))) {
    assert.match(op.operationId ?? '', /^[a-z]+\.[a-zA-Z]+$/, `${path} has an operation id area.action`);
  }
});

test('/docs serves the browsable page', async () => {
  const res = await fetch(`${server.url}/docs/`, { redirect: 'follow' });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
});
