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
