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
    paths: Record<string, Record<string, { operationId?: string; summary?: string; tags?: string[]; responses?: Record<string, unknown> }>>;
  };
  assert.match(doc.openapi, /^3\./);
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
  const ids = new Set(operations.map((o) => o.op.operationId));
  const expected = [
    'albums.create', 'albums.get', 'albums.list', 'albums.update', 'albums.duplicate', 'albums.uploadDone',
    'images.list', 'images.register', 'images.import', 'images.get', 'images.update', 'images.delete', 'images.deleteMany',
    'images.move', 'images.copy', 'images.duplicate', 'images.tag', 'images.untag', 'images.thumbnail',
    'tags.list', 'tags.put', 'tags.delete', 'tags.apply', 'tags.remove',
    'images.download', 'albums.downloadZip', 'shares.create', 'shares.list', 'shares.revoke',
    'trash.list', 'trash.restore', 'cloudinary.notify', 'user.get', 'organization.get', 'organization.update',
    'secret.create', 'token.create', 'health.get',
    'pages.uploadTest', 'pages.album', 'pages.share', 'pages.shareUnlock', 'pages.shareImage', 'pages.shareDownload',
    'pages.shareDownloadZip',
  ];
  assert.deepEqual(expected.filter((id) => !ids.has(id)), [], 'every operation is documented');
  const create = doc.paths['/api/v1/albums']!.post!;
  assert.ok(create.responses?.['200'], 'the seed response is described');
  for (const { path, op } of operations.filter((o) => o.path.startsWith('/api/v1/'))) {
    assert.match(op.operationId ?? '', /^[a-z]+\.[a-zA-Z]+$/, `${path} has an operation id area.action`);
  }
  for (const { path, method, op } of operations) {
    assert.ok(op.summary && op.tags?.length, `${method.toUpperCase()} ${path} has a summary and a tag`);
  }
});

test('/docs serves the browsable page', async () => {
  const res = await fetch(`${server.url}/docs/`, { redirect: 'follow' });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
});
