/**
 * The media host's routes are in the generated OpenAPI document too, each with its operation
 * id: upload, the Upload API's management calls, the Admin API and delivery.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

test('/openapi.json lists every media host operation', async () => {
  const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { operationId?: string }>>;
  };
  const ids = new Set(Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId)));
  const expected = [
    'media.upload', 'media.destroy', 'media.rename', 'media.explicit', 'media.tags', 'media.context', 'media.deleteByToken',
    'media.deliverImage', 'media.deliverRaw',
    'mediaAdmin.ping', 'mediaAdmin.usage', 'mediaAdmin.resources', 'mediaAdmin.resourcesByType', 'mediaAdmin.resourcesByTag',
    'mediaAdmin.resourcesByContext', 'mediaAdmin.resource', 'mediaAdmin.deleteResources', 'mediaAdmin.deleteResourcesByTag',
    'mediaAdmin.deleteDerivedResources', 'mediaAdmin.transformations', 'mediaAdmin.createTransformation',
    'mediaAdmin.updateTransformation', 'mediaAdmin.deleteTransformation', 'mediaAdmin.uploadPresets', 'mediaAdmin.uploadPreset',
    'mediaAdmin.createUploadPreset', 'mediaAdmin.updateUploadPreset', 'mediaAdmin.deleteUploadPreset',
  ];
  assert.deepEqual(expected.filter((id) => !ids.has(id)), []);
});

test('the media host documents its params from the schemas its handlers check them with', async () => {
  type Operation = {
    parameters?: Array<{ in: string; name: string; description?: string }>;
    requestBody?: { content: Record<string, { schema: { properties?: Record<string, { description?: string }> } }> };
  };
  const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
  const upload = doc.paths['/v1_1/{cloud}/{resource_type}/upload']!.post!;
  const form = upload.requestBody!.content['multipart/form-data']!.schema.properties!;
  for (const field of ['file', 'api_key', 'timestamp', 'signature', 'upload_preset', 'public_id', 'overwrite', 'eager', 'notification_url']) {
    assert.ok(form[field]?.description, `upload documents ${field}`);
  }
  assert.deepEqual(
    upload.parameters!.filter((p) => p.in === 'header').map((p) => p.name).sort(),
    ['content-range', 'x-unique-upload-id'],
  );
  const rename = doc.paths['/v1_1/{cloud}/{resource_type}/rename']!.post!;
  assert.ok(rename.requestBody!.content['application/x-www-form-urlencoded']!.schema.properties!.to_public_id?.description);
  const listing = doc.paths['/v1_1/{cloud}/resources/{resource_type}/{type}']!.get!;
  const query = listing.parameters!.filter((p) => p.in === 'query').map((p) => p.name);
  for (const name of ['prefix', 'public_ids', 'max_results', 'next_cursor']) assert.ok(query.includes(name), `resources lists ${name}`);
  assert.ok(listing.parameters!.every((p) => p.description), 'every parameter is described');
});

test('a single-valued param given twice is a 400 in Cloudinary\'s error JSON, from the same schema', async () => {
  const { apiKey, apiSecret, cloudName } = server.config.cloudinary;
  const res = await fetch(`${server.url}/v1_1/${cloudName}/resources/image/upload?max_results=5&max_results=7`, {
    headers: { Authorization: `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}` },
  });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: { message: string } };
  assert.match(body.error.message, /^Invalid parameter max_results/);
});

test('a management call whose JSON body gives an object where text goes is a 400 naming the param', async () => {
  const { cloudName } = server.config.cloudinary;
  const res = await fetch(`${server.url}/v1_1/${cloudName}/image/destroy`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ public_id: { $ne: '' }, timestamp: 1, api_key: 'k', signature: 's' }),
  });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: { message: string } };
  assert.match(body.error.message, /^Invalid parameter public_id/);
});
