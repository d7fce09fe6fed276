/**
 * Many parallel uploads and notifications, moves, merges, renames, deletes and restores on a
 * handful of albums, all at once over HTTP. Afterwards every album's images_count equals its
 * listed images, no image is lost or doubled, and the webhook saw every event once, in order.
 * Run on PostgreSQL with TEST_DATABASE=postgres (same file).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import * as fixtures from '../fixtures/images.ts';
import { albumWithImages, assertConsistent, assertCountersExact, notify, snapshot } from '../helpers/album-ops.ts';
import { call, newTenant, startTestServer, tempDir, type Tenant, type TestServer } from '../helpers/server.ts';
import { type AlbumJson, postUpload } from '../helpers/uploads.ts';

let server: TestServer;
let receiver: Server;
let receiverUrl: string;
const sequences: number[] = [];

before(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      sequences.push(JSON.parse(Buffer.concat(chunks).toString('utf8')).sequence);
      response.end('ok');
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/events`;
  // The receiver listens on loopback, an address webhooks may target only when allowed.
  server = await startTestServer({ WEBHOOK_RETRY_BASE_MS: '50', WEBHOOK_ALLOW_PRIVATE: '1' });
});
after(async () => {
  await server.stop();
  receiver.closeAllConnections();
  receiver.close();
});

/** A deterministic pseudo-random sequence, so a failure replays the same storm. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('a storm of parallel operations leaves exact counts, every image once, every event once and in order', async (t) => {
  const tenant: Tenant = await newTenant(server);
  assert.equal((await call(server, 'PUT', '/api/v1/organization', { token: tenant.token, json: { webhook_url: receiverUrl } })).status, 200);
  const names = ['storm-a', 'storm-b', 'storm-c', 'storm-d', 'storm-e'];
  const albums: AlbumJson[] = [];
  const imageIds: string[] = [];
  const publicIds: string[] = [];
  for (const name of names) {
    const made = await albumWithImages(server, tenant.token, 8, name);
    albums.push(made.album);
    imageIds.push(...made.imageIds);
    publicIds.push(...made.publicIds);
  }
  const rand = random(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const destinations = [...names, 'storm-f', 'storm-g'];
  const token = tenant.token;
  const statuses: Record<string, number[]> = {};
  const run = (kind: string, work: () => Promise<{ status: number }>) =>
    work().then((res) => {
      (statuses[kind] ??= []).push(res.status);
    });

  const storm: Array<Promise<void>> = [];
  for (let i = 0; i < 60; i++) {
    const publicId = `storm/new-${i}`;
    publicIds.push(publicId);
    storm.push(run('notify', () => notify(server, pick(albums), publicId).then(() => ({ status: 201 }))));
  }
  const dir = tempDir('storm');
  for (let i = 0; i < 4; i++) {
    const album = pick(albums);
    storm.push(
      run('upload', async () => {
        const res = await postUpload(album.upload_form.url, album.upload_form.params, await fixtures.solidColor(dir, `#1${i}2${i}3${i}`));
        assert.equal(res.status, 200, JSON.stringify(res.body));
        publicIds.push(String(res.body.public_id));
        return res;
      }),
    );
  }
  for (let i = 0; i < 30; i++) {
    const operations = Object.fromEntries(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => [pick(imageIds), pick(destinations)]));
    storm.push(run('move', () => call(server, 'POST', '/api/v1/images/move', { token, json: { move_operations: operations } })));
  }
  for (let i = 0; i < 20; i++) {
    const ids = Array.from({ length: 1 + Math.floor(rand() * 2) }, () => pick(imageIds));
    storm.push(
      run('delete', () =>
        ids.length === 1
          ? call(server, 'DELETE', `/api/v1/images/${ids[0]}`, { token })
          : call(server, 'DELETE', '/api/v1/images', { token, form: ids.map((id) => `image_ids[]=${id}`).join('&') }),
      ),
    );
  }
  for (let i = 0; i < 10; i++) {
    storm.push(run('restore', () => call(server, 'DELETE', `/api/v1/trashed_images/${pick(imageIds)}`, { token })));
  }
  for (const [from, to] of [
    ['storm-b', 'storm-a'],
    ['storm-d', 'storm-c'],
    ['storm-a', 'storm-e'],
  ]) {
    storm.push(run('merge', () => call(server, 'PUT', `/api/v1/albums/${from}`, { token, json: { album: { public_id: to }, merge: true } })));
  }
  storm.push(run('rename', () => call(server, 'PUT', '/api/v1/albums/storm-e', { token, form: { 'album[public_id]': 'storm-h' } })));
  storm.push(run('upload_done', () => call(server, 'POST', '/api/v1/albums/storm-c/upload_done', { token })));
  await Promise.all(storm);

  for (const [kind, list] of Object.entries(statuses)) {
    for (const status of list) assert.ok(status < 300 || status === 404 || status === 409, `${kind}: unexpected ${status}`);
  }
  assert.ok(statuses.move!.some((s) => s === 200) && statuses.delete!.some((s) => s < 300), JSON.stringify(statuses));
  const tally = (list: number[]) =>
    [...new Set(list)].map((status) => `${status}×${list.filter((s) => s === status).length}`).join(' ');
  t.diagnostic(Object.entries(statuses).map(([kind, list]) => `${kind}: ${tally(list)}`).join('; '));

  // Real uploads reach the album through the host's notification job: wait for all of them.
  const deadline = Date.now() + 30_000;
  while ((await snapshot(server, tenant.organizationId)).images.length < publicIds.length) {
    assert.ok(Date.now() < deadline, 'every upload arrives');
    await sleep(50);
  }

  // Counters, from the rows...
  const state = await snapshot(server, tenant.organizationId);
  assertConsistent(state);
  await assertCountersExact(server.db.kysely, tenant.organizationId, 'after the concurrent operations');
  // ...and as a client sees them: images_count and X-Total-Count equal the listed images.
  const listed = await call<Array<{ id: string; images_count: number }>>(server, 'GET', '/api/v1/albums?per_page=500', { token });
  const seen: string[] = [];
  for (const album of listed.body) {
    const images = await call<Array<{ id: string; public_id: string }>>(server, 'GET', `/api/v1/albums/${album.id}/images?per_page=500`, { token });
    assert.equal(images.body.length, album.images_count, `album ${album.id}`);
    assert.equal(images.headers.get('x-total-count'), String(album.images_count));
    seen.push(...images.body.map((i) => i.public_id));
  }
  const trash = await call<Array<{ public_id: string }>>(server, 'GET', '/api/v1/trashed_images?per_page=500', { token });
  seen.push(...trash.body.map((i) => i.public_id));
  // No image lost or doubled: every picture ever uploaded is live or in the trash, exactly once.
  assert.equal(seen.length, publicIds.length, 'as many images as were uploaded');
  assert.deepEqual([...seen].sort(), [...publicIds].sort());
  assert.deepEqual(
    state.images.map((i) => i.public_id).sort(),
    [...publicIds].sort(),
  );

  // Every event was delivered once, one at a time, in sequence.
  const events = await server.services.webhooks.events(tenant.organizationId);
  const eventDeadline = Date.now() + 60_000;
  while (sequences.length < events.length) {
    assert.ok(Date.now() < eventDeadline, `${sequences.length} of ${events.length} events delivered`);
    await sleep(50);
  }
  assert.deepEqual(
    sequences,
    events.map((_, i) => i + 1),
  );
  t.diagnostic(`${state.albums.length} albums, ${state.images.length} images, ${events.length} webhook events`);
});
