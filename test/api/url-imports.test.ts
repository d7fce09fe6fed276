/**
 * `POST /api/v1/imports` refuses what it must: sources inside the service's network (unless
 * IMPORT_ALLOW_PRIVATE), failing sources, files past the upload limit, what the host would
 * not take, and albums the token may not upload into; each refusal creates nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as fixtures from '../fixtures/images.ts';
import { snapshot } from '../helpers/album-ops.ts';
import { call, newTenant, startTestServer, tempDir, type Tenant, type TestServer, tokenWith } from '../helpers/server.ts';

let guarded: TestServer;
let open: TestServer;
let source: Server;
let base: string;

before(async () => {
  const photo = await readFile(await fixtures.jpegWithGps(tempDir('imports')));
  const big = Buffer.alloc(3 * 1024 * 1024, 1);
  source = createServer((request, response) => {
    if (request.url === '/photo.jpg') return response.writeHead(200, { 'Content-Type': 'image/jpeg' }).end(photo);
    if (request.url === '/moved') return response.writeHead(302, { Location: '/photo.jpg' }).end();
    if (request.url === '/big-unannounced') {
      response.writeHead(200, { 'Content-Type': 'image/jpeg' });
      return response.end(big);
    }
    if (request.url === '/text') return response.writeHead(200, { 'Content-Type': 'text/plain' }).end('not a photo');
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
  guarded = await startTestServer();
  open = await startTestServer({ IMPORT_ALLOW_PRIVATE: '1', MAX_UPLOAD_BYTES: String(2 * 1024 * 1024) });
});
after(async () => {
  source.close();
  await guarded.stop();
  await open.stop();
});

const importInto = (server: TestServer, token: string, body: Record<string, unknown>) =>
  call<{ id?: string; album_id?: string; error?: { message: string } }>(server, 'POST', '/api/v1/imports', { token, json: body });

async function refusedAndUnchanged(server: TestServer, tenant: Tenant, body: Record<string, unknown>, status: number, message?: RegExp, token = tenant.token) {
  const before = await snapshot(server, tenant.organizationId);
  const res = await importInto(server, token, body);
  assert.equal(res.status, status, res.text);
  if (message) assert.match(res.body.error!.message, message);
  assert.deepEqual(await snapshot(server, tenant.organizationId), before, 'nothing created');
  assert.deepEqual(await readdir(join(server.dataDir, 'tmp')).catch(() => []), [], 'no temp file left');
}

test('internal sources are refused by default, also behind a redirect', async () => {
  const tenant = await newTenant(guarded);
  await refusedAndUnchanged(guarded, tenant, { import_type: 'url', album_id: 'a', url: `${base}/photo.jpg` }, 422, /private address/);
  await refusedAndUnchanged(guarded, tenant, { album_id: 'a', url: 'http://169.254.169.254/latest/meta-data/' }, 422, /private address/);
  await refusedAndUnchanged(guarded, tenant, { album_id: 'a', url: 'http://[::1]/x.jpg' }, 422, /private address/);
  await refusedAndUnchanged(guarded, tenant, { album_id: 'a', url: 'file:///etc/passwd' }, 400);
});

test('allowed: a redirect is followed; failing, oversized and non-image sources are refused', async () => {
  const tenant = await newTenant(open);
  const moved = await importInto(open, tenant.token, { album_id: 'imports', url: `${base}/moved`, filename: 'door.jpg' });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.body.album_id, 'imports');
  await refusedAndUnchanged(open, tenant, { album_id: 'imports', url: `${base}/missing.jpg` }, 422, /answered 404/);
  await refusedAndUnchanged(open, tenant, { album_id: 'imports', url: `${base}/big-unannounced` }, 413);
  await refusedAndUnchanged(open, tenant, { album_id: 'imports', url: `${base}/text` }, 422, /refused the file/);
});

test('image_upload on the album is needed; without the right to create it a new id stays 404', async () => {
  const tenant = await newTenant(open);
  const viewer = await tokenWith(open, tenant.userId, { imports: { Access: { see: true, image_list: true } } });
  await refusedAndUnchanged(open, tenant, { album_id: 'imports', url: `${base}/photo.jpg` }, 403, undefined, viewer);
});
