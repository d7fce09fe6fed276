/**
 * The album service removes stored originals only through the media host's signed `destroy`
 * call over HTTP, as it would at Cloudinary (MEDIA_HOST=cloudinary), where it cannot reach
 * files. The service runs with PUBLIC_URL, the address it calls the host at, pointing at a
 * recording proxy in front of itself: every call it makes to the host passes through the
 * proxy, which can also refuse the destroy call to show that nothing else removes the file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { v2 as cloudinary } from 'cloudinary';
import * as fixtures from '../fixtures/images.ts';
import { freePort } from '../helpers/child-server.ts';
import { call, newTenant, startTestServer, storedOriginals, tempDir, type Tenant, type TestServer } from '../helpers/server.ts';
import { createAlbum, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';

interface Recorded {
  method: string;
  path: string;
  contentType: string;
  body: string;
}

let server: TestServer;
let proxy: Server;
let tenant: Tenant;
const recorded: Recorded[] = [];
/** While set, the proxy answers destroy calls itself with this status instead of passing them on. */
let refuseDestroy: number | null = null;

const isDestroy = (r: Recorded) => r.method === 'POST' && r.path === `/v1_1/${server.config.cloudinary.cloudName}/image/destroy`;

before(async () => {
  const port = await freePort();
  proxy = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry = { method: incoming.method!, path: incoming.url!, contentType: incoming.headers['content-type'] ?? '', body: body.toString() };
      recorded.push(entry);
      if (refuseDestroy !== null && isDestroy(entry)) {
        outgoing.writeHead(refuseDestroy, { 'Content-Type': 'application/json' }).end('{"error":{"message":"unavailable"}}');
        return;
      }
      const forward = request(`${server.url}${incoming.url}`, { method: incoming.method, headers: incoming.headers }, (answer) => {
        outgoing.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(outgoing);
      });
      forward.on('error', () => outgoing.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
  server = await startTestServer({ PUBLIC_URL: `http://127.0.0.1:${port}` });
  tenant = await newTenant(server);
});
after(async () => {
  await server.stop();
  proxy.close();
});

/** An image uploaded through its album's form (via the proxy, like every call to the host), then trashed long ago. */
async function trashedImage(albumId: string): Promise<{ id: string; public_id: string; original: string }> {
  const album = await createAlbum(server, tenant.token, albumId);
  const upload = await uploadToAlbum(album, await fixtures.solidColor(tempDir('stored-media'), '#336699'));
  assert.equal(upload.status, 200, JSON.stringify(upload.body));
  const [image] = await waitForImages(server, tenant.token, album.id, 1);
  assert.equal((await call(server, 'DELETE', `/api/v1/images/${image!.id}`, { token: tenant.token })).status, 204);
  const longAgo = new Date(Date.now() - (server.config.trashDays + 1) * 24 * 3600 * 1000).toISOString();
  await server.db.kysely.updateTable('images').set({ deleted_at: longAgo }).where('id', '=', image!.id).execute();
  return { id: image!.id, public_id: image!.public_id, original: image!.thumbnails.original };
}

const purge = () => server.registry.get('api.purge_trash')!.run({ v: 1, organization_id: tenant.organizationId } as never);

test('a purged image: a signed POST /v1_1/<cloud>/image/destroy names its public_id, and the host removes the file', async () => {
  const image = await trashedImage('purged');
  assert.equal(await storedOriginals(server), 1);
  const before = recorded.length;
  await purge();

  const destroys = recorded.slice(before).filter(isDestroy);
  assert.equal(destroys.length, 1, 'one destroy call');
  const [destroy] = destroys;
  assert.equal(destroy!.contentType, 'application/x-www-form-urlencoded');
  const { api_key, signature, ...signed } = Object.fromEntries(new URLSearchParams(destroy!.body));
  assert.equal(signed.public_id, image.public_id);
  assert.equal(signed.type, 'authenticated', 'the album forms upload authenticated originals');
  assert.match(signed.timestamp ?? '', /^\d+$/);
  assert.equal(api_key, server.config.cloudinary.apiKey);
  // Signed as Cloudinary's own SDK signs an Upload API call.
  assert.equal(signature, cloudinary.utils.api_sign_request(signed, server.config.cloudinary.apiSecret));

  assert.equal(await storedOriginals(server), 0, 'the host removed the original');
  const served = await fetch(image.original);
  assert.equal(served.status, 404);
  await served.arrayBuffer();
});

test('when the host refuses the destroy call, the original stays: nothing else removes it', async () => {
  const image = await trashedImage('kept');
  refuseDestroy = 503;
  try {
    await assert.rejects(purge(), /destroy/);
  } finally {
    refuseDestroy = null;
  }
  assert.ok(recorded.some((r) => isDestroy(r) && new URLSearchParams(r.body).get('public_id') === image.public_id));
  assert.equal(await storedOriginals(server), 1, 'the original is still stored');
  const served = await fetch(image.original);
  assert.equal(served.status, 200);
  await served.arrayBuffer();
});
