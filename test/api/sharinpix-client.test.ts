/**
 * SharinPix's own npm client (`sharinpix` 0.0.9, a devDependency), unchanged, against a
 * running server, as a partner's server runs it with an organization secret: it signs its
 * own secret tokens (`{alg: HS256, cty: JWT}`, no exp), opens an album it never created,
 * uploads through the album's form, registers the host's answer, and deletes the image.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import * as fixtures from '../fixtures/images.ts';
import { call, newTenant, startTestServer, tempDir, type Tenant, type TestServer } from '../helpers/server.ts';

interface SharinPixClient {
  configure(options: { endpoint: string; id: string; secret: string }): unknown;
  upload(file: string, albumId: string, metadatas?: Record<string, unknown>): Promise<Record<string, unknown>>;
  import(url: string, albumId: string, metadatas?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

const Sharinpix = createRequire(import.meta.url)('sharinpix') as SharinPixClient;

/**
 * Runs the client's `image_delete` in a child process and waits at most `ms` for it to end.
 * The client reads superagent's `end(err, res)` callback as `(res)`: it resolves on 404,
 * rejects on other errors, and on a 2xx (ours is 204) throws from inside superagent's
 * callback, which ends the process that runs it. So it runs apart, and the test asks the
 * API afterwards whether the image is gone.
 */
function imageDeleteInChild(options: { endpoint: string; id: string; secret: string }, imageId: string, ms: number) {
  const script = `const s = require('sharinpix'); s.configure(${JSON.stringify(options)});
s.image_delete(${JSON.stringify(imageId)}).then(() => process.exit(0), () => process.exit(3));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise<{ code: number | null; stderr: string; timedOut: boolean }>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, stderr, timedOut: signal === 'SIGKILL' });
    });
  });
}

let server: TestServer;
let tenant: Tenant;
let credentials: { endpoint: string; id: string; secret: string };

let photoSource: Server;
let photoUrl: string;

before(async () => {
  // The photo `import` fetches, served from this machine: the server may fetch from it.
  const photo = await readFile(await fixtures.jpegWithGps(tempDir('sharinpix-source')));
  photoSource = createServer((_request, response) => response.writeHead(200, { 'Content-Type': 'image/jpeg' }).end(photo));
  await new Promise<void>((resolve) => photoSource.listen(0, '127.0.0.1', resolve));
  photoUrl = `http://127.0.0.1:${(photoSource.address() as AddressInfo).port}/photos/front-door.jpg`;
  server = await startTestServer({ IMPORT_ALLOW_PRIVATE: '1' });
  tenant = await newTenant(server);
  const secret = await server.services.accounts.createSecretFor(tenant.organizationId, 'partner');
  const url = new URL(secret.url);
  // configure(<secret url>) would force https and drop the port: the options form keeps both.
  credentials = { endpoint: `${server.url}/api/v1`, id: decodeURIComponent(url.username), secret: decodeURIComponent(url.password) };
  Sharinpix.configure(credentials);
});
after(async () => {
  photoSource.close();
  await server.stop();
});

test('upload() into an album nobody created: the album opens, holds the image once, with its metadatas', async () => {
  const file = await fixtures.jpegWithGps(tempDir('sharinpix'));
  const image = await Sharinpix.upload(file, 'super_test', { source: 'test' });
  assert.equal(image.album_id, 'super_test');
  assert.deepEqual(image.metadatas, { source: 'test' });
  assert.equal(image.width, 1200);
  assert.equal(image.height, 800);

  // The host's notification of the same upload is delivered too, and still the album holds one image.
  const settled = async () => {
    const counts = await server.jobs.counts();
    return !counts.queued && (counts.done ?? 0) > 0;
  };
  for (let i = 0; i < 500 && !(await settled()); i++) await sleep(20);
  assert.ok(await settled(), 'the notification was delivered');
  const listed = await call<Array<Record<string, unknown>>>(server, 'GET', '/api/v1/albums/super_test/images', { token: tenant.token });
  assert.equal(listed.status, 200);
  assert.equal(listed.body.length, 1);
  assert.equal(listed.body[0]!.id, image.id);
  assert.deepEqual(listed.body[0]!.metadatas, { source: 'test' });

  const deletion = await imageDeleteInChild(credentials, String(image.id), 15_000);
  assert.equal(deletion.timedOut, false, `image_delete ended: ${deletion.stderr}`);
  // What the README says of it: on our 204 its callback reads `null.status` and ends its process.
  assert.notEqual(deletion.code, 0);
  assert.match(deletion.stderr, /Cannot read properties of null \(reading 'status'\)/);
  const after = await call<Array<Record<string, unknown>>>(server, 'GET', '/api/v1/albums/super_test/images', { token: tenant.token });
  assert.equal(after.body.length, 0, 'image_delete removed it');
});

test('import() of a photo URL into a new album: fetched, uploaded through the form, recorded once with its metadatas', async () => {
  const image = await Sharinpix.import(photoUrl, 'imported_album', { source: 'url' });
  assert.equal(image.album_id, 'imported_album');
  assert.deepEqual(image.metadatas, { source: 'url' });
  assert.equal(image.filename, 'front-door.jpg');
  assert.deepEqual([image.width, image.height], [1200, 800]);
  const listed = await call<Array<{ id: string }>>(server, 'GET', '/api/v1/albums/imported_album/images', { token: tenant.token });
  assert.deepEqual(listed.body.map((i) => i.id), [image.id]);
});
