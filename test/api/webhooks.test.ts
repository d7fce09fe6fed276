/**
 * The organization's webhook against a real receiving HTTP server started here: signatures,
 * retries of a failing receiver (the backoff base comes from WEBHOOK_RETRY_BASE_MS), and the
 * order of events, one at a time per organization.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { albumWithImages, imagesOf, notify } from '../helpers/album-ops.ts';
import { call, newTenant, startTestServer, type Tenant, type TestServer } from '../helpers/server.ts';

/** What the receiver saw of one request. */
interface Delivery {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  status: number;
  at: number;
}

/** A webhook receiver: every path records what it gets; `failNext` makes a path answer 500 a few times. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  private readonly failures = new Map<string, number>();
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        const left = this.failures.get(path) ?? 0;
        const status = left > 0 ? 500 : 200;
        if (left > 0) this.failures.set(path, left - 1);
        this.deliveries.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), status, at: Date.now() });
        response.writeHead(status, { 'Content-Type': 'text/plain' }).end(status === 200 ? 'ok' : 'try again');
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  failNext(path: string, times: number): void {
    this.failures.set(path, times);
  }

  /** Acknowledged deliveries to `path`, in arrival order. */
  acknowledged(path: string): Delivery[] {
    return this.deliveries.filter((d) => d.path === path && d.status === 200);
  }

  async waitFor(path: string, count: number, timeoutMs = 15_000): Promise<Delivery[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.acknowledged(path).length < count) {
      if (Date.now() > deadline) throw new Error(`${path}: ${this.acknowledged(path).length} of ${count} events arrived`);
      await sleep(25);
    }
    return this.acknowledged(path);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

interface EventBody {
  id: string;
  event: string;
  sequence: number;
  organization_id: string;
  [key: string]: unknown;
}

let server: TestServer;
const receiver = new Receiver();

before(async () => {
  await receiver.start();
  server = await startTestServer({ WEBHOOK_RETRY_BASE_MS: '100' });
});
after(async () => {
  await server.stop();
  await receiver.stop();
});

/** A fresh organization whose webhook posts to `path` on the receiver; returns it and its secret. */
async function subscribed(path: string): Promise<{ tenant: Tenant; secret: string }> {
  const tenant = await newTenant(server);
  const res = await call<{ webhook_secret: string }>(server, 'PUT', '/api/v1/organization', {
    token: tenant.token,
    form: { webhook_url: receiver.url + path },
  });
  assert.equal(res.status, 200, res.text);
  return { tenant, secret: res.body.webhook_secret };
}

/** Verifies a delivery as a receiver should: HMAC-SHA256 over "<timestamp>.<body>", fresh timestamp. */
function verify(delivery: Delivery, secret: string): EventBody {
  const timestamp = String(delivery.headers['x-album-timestamp']);
  const signature = String(delivery.headers['x-album-signature']);
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${delivery.body}`).digest('hex')}`;
  assert.ok(signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected)), 'signature verifies');
  assert.ok(Math.abs(Date.now() / 1000 - Number(timestamp)) < 60, 'fresh timestamp');
  const body = JSON.parse(delivery.body) as EventBody;
  assert.equal(delivery.headers['x-album-event'], body.event);
  assert.equal(delivery.headers['x-album-delivery'], body.id);
  assert.equal(delivery.headers['x-album-sequence'], String(body.sequence));
  assert.equal(delivery.headers['content-type'], 'application/json');
  return body;
}

/** The organization's events once none is pending any more. */
async function settled(organizationId: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await server.services.webhooks.events(organizationId);
    if (rows.every((r) => r.status !== 'pending')) return rows;
    assert.ok(Date.now() < deadline, `still pending: ${JSON.stringify(rows.map((r) => [r.seq, r.status, r.attempts]))}`);
    await sleep(25);
  }
}

describe('webhook deliveries', () => {
  test('album.upload_done carries the album and the batch, signed with the organization secret', async () => {
    const { tenant, secret } = await subscribed('/signed');
    const { album } = await albumWithImages(server, tenant.token, 2);
    const done = await call(server, 'POST', `/api/v1/albums/${album.id}/upload_done`, { token: tenant.token });
    assert.equal(done.status, 200, done.text);
    const deliveries = await receiver.waitFor('/signed', 3);
    const events = deliveries.map((d) => verify(d, secret));
    assert.deepEqual(
      events.map((e) => [e.event, e.sequence]),
      [
        ['image.created', 1],
        ['image.created', 2],
        ['album.upload_done', 3],
      ],
    );
    assert.ok(events.every((e) => e.organization_id === tenant.organizationId));
    const uploadDone = events[2] as EventBody & {
      album: { id: string; images_count: number; upload_form: unknown; thumbnails: unknown[] };
      images: Array<{ id: string; album_id: string }>;
      batch: { images_count: number; images_truncated: boolean };
    };
    assert.equal(uploadDone.album.id, album.id);
    assert.equal(uploadDone.album.images_count, 2);
    assert.equal(uploadDone.album.upload_form, null, 'no signed form in an event');
    assert.equal(uploadDone.album.thumbnails.length, 2);
    assert.deepEqual(
      uploadDone.images.map((i) => i.id).sort(),
      (await imagesOf(server, tenant.token, album.id)).map((i) => i.id).sort(),
    );
    assert.deepEqual(uploadDone.batch.images_count, 2);
    assert.equal(uploadDone.batch.images_truncated, false);
    const created = events[0] as EventBody & { album_id: string; image: { public_id: string; album_id: string } };
    assert.equal(created.album_id, album.id);
    assert.equal(created.image.album_id, album.id);

    const tampered = { ...deliveries[0]!, body: deliveries[0]!.body.replace('image.created', 'image.deleted') };
    assert.throws(() => verify(tampered, secret), /signature/);
    assert.throws(() => verify(deliveries[0]!, 'whsec_not-the-secret'), /signature/);
  });

  test('a receiver that fails twice gets the event a third time; later events wait their turn', async () => {
    const { tenant, secret } = await subscribed('/flaky');
    receiver.failNext('/flaky', 2);
    const { album, imageIds } = await albumWithImages(server, tenant.token, 1);
    // Queued while the first is being retried: must not overtake it.
    assert.equal((await call(server, 'DELETE', `/api/v1/images/${imageIds[0]}`, { token: tenant.token })).status, 204);
    const acknowledged = await receiver.waitFor('/flaky', 2);
    const attempts = receiver.deliveries.filter((d) => d.path === '/flaky');
    assert.deepEqual(
      attempts.map((d) => [d.status, JSON.parse(d.body).sequence]),
      [
        [500, 1],
        [500, 1],
        [200, 1],
        [200, 2],
      ],
    );
    assert.equal(new Set(attempts.slice(0, 3).map((d) => d.headers['x-album-delivery'])).size, 1, 'the same event each time');
    // The backoff doubles from WEBHOOK_RETRY_BASE_MS (100 ms): waits of about 100 ms and 200 ms.
    assert.ok(attempts[1]!.at - attempts[0]!.at >= 90, `first retry after ${attempts[1]!.at - attempts[0]!.at} ms`);
    assert.ok(attempts[2]!.at - attempts[1]!.at >= 190, `second retry after ${attempts[2]!.at - attempts[1]!.at} ms`);
    const [created, deleted] = acknowledged.map((d) => verify(d, secret));
    assert.equal(created!.event, 'image.created');
    assert.equal(deleted!.event, 'images.deleted');
    assert.deepEqual(deleted!.images, [{ image_id: imageIds[0], album_id: album.id }]);
    // The receiver has answered; the API records the outcome right after.
    const rows = await settled(tenant.organizationId);
    assert.deepEqual(
      rows.map((r) => [r.seq, r.status, r.attempts]),
      [
        [1, 'delivered', 3],
        [2, 'delivered', 1],
      ],
    );
  });

  test('events arrive in the order their operations committed, without gaps, even from parallel requests', async () => {
    const { tenant, secret } = await subscribed('/ordered');
    const a = await albumWithImages(server, tenant.token, 0, 'ordered-a');
    // One image's life, step by step: created, moved, deleted, restored.
    await notify(server, a.album, 'ordered/first');
    const [first] = await imagesOf(server, tenant.token, 'ordered-a');
    const step = async (method: string, path: string, json?: unknown) => {
      const res = await call(server, method, path, { token: tenant.token, ...(json ? { json } : {}) });
      assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
    };
    await step('POST', '/api/v1/images/move', { move_operations: { [first!.id]: 'ordered-b' } });
    await step('DELETE', `/api/v1/images/${first!.id}`);
    await step('DELETE', `/api/v1/trashed_images/${first!.id}`);
    await step('PUT', '/api/v1/albums/ordered-b', { album: { public_id: 'ordered-a' }, merge: true });
    // Then a burst of parallel uploads, while the receiver is slow to take the first ones.
    receiver.failNext('/ordered', 1);
    await Promise.all(Array.from({ length: 12 }, (_, i) => notify(server, a.album, `ordered/burst-${i}`)));
    const events = (await receiver.waitFor('/ordered', 18)).map((d) => verify(d, secret));
    assert.deepEqual(
      events.map((e) => e.sequence),
      Array.from({ length: 18 }, (_, i) => i + 1),
      'one at a time, in sequence, nothing missing or repeated',
    );
    assert.deepEqual(
      events.slice(0, 7).map((e) => e.event),
      ['image.created', 'images.moved', 'images.deleted', 'images.restored', 'images.moved', 'album.merged', 'image.created'],
    );
    assert.deepEqual((events[1] as unknown as { moves: unknown[] }).moves, [
      { image_id: first!.id, from_album_id: 'ordered-a', to_album_id: 'ordered-b' },
    ]);
    assert.equal(
      new Set(events.slice(6).map((e) => (e as unknown as { image: { public_id: string } }).image.public_id)).size,
      12,
      'every upload of the burst, once',
    );
  });

  test('no webhook URL: no events; clearing the URL skips what was still pending', async () => {
    const tenant = await newTenant(server);
    await albumWithImages(server, tenant.token, 2);
    assert.deepEqual(await server.services.webhooks.events(tenant.organizationId), []);

    const { tenant: other } = await subscribed('/down');
    receiver.failNext('/down', 1000);
    await albumWithImages(server, other.token, 2);
    const deadline = Date.now() + 10_000;
    while (!receiver.deliveries.some((d) => d.path === '/down')) {
      assert.ok(Date.now() < deadline, 'the first delivery is attempted');
      await sleep(25);
    }
    await call(server, 'PUT', '/api/v1/organization', { token: other.token, json: { webhook_url: null } });
    assert.deepEqual(
      (await settled(other.organizationId)).map((r) => r.status),
      ['skipped', 'skipped'],
    );
  });

  test("another organization's events never reach this webhook", async () => {
    const { tenant } = await subscribed('/mine');
    const stranger = await newTenant(server);
    await albumWithImages(server, stranger.token, 2);
    await albumWithImages(server, tenant.token, 1);
    const events = (await receiver.waitFor('/mine', 1)).map((d) => JSON.parse(d.body) as EventBody);
    await sleep(300);
    assert.equal(receiver.acknowledged('/mine').length, 1);
    assert.equal(events[0]!.organization_id, tenant.organizationId);
  });
});

describe("SharinPix's events", () => {
  test('a webhook subscribed to them gets each once, signed, in the shapes of their documentation', async () => {
    const { tenant, secret } = await subscribed('/sharinpix');
    const events = ['image-new', 'image-processed', 'tag-image-new', 'tag-image-deleted', 'upload-done', 'image-deleted'];
    const subscription = await call<{ webhook_events: string[] }>(server, 'PUT', '/api/v1/organization', {
      token: tenant.token,
      json: { webhook_events: events },
    });
    assert.equal(subscription.status, 200, subscription.text);
    assert.deepEqual(subscription.body.webhook_events, events);
    const unknown = await call(server, 'PUT', '/api/v1/organization', { token: tenant.token, json: { webhook_events: ['nope'] } });
    assert.equal(unknown.status, 400);

    const created = await call<{ id: string }>(server, 'POST', '/api/v1/albums', { token: tenant.token, json: { public_id: 'spx-events' } });
    await notify(server, created.body as never, 'spx-events/one');
    const [image] = await imagesOf(server, tenant.token, 'spx-events');
    assert.equal((await call(server, 'POST', `/api/v1/images/${image!.id}/tags`, { token: tenant.token, form: { tag: 'car' } })).status, 200);
    assert.equal((await call(server, 'DELETE', `/api/v1/images/${image!.id}/tags/car`, { token: tenant.token })).status, 200);
    assert.equal((await call(server, 'POST', '/api/v1/albums/spx-events/upload_done', { token: tenant.token })).status, 200);
    assert.equal((await call(server, 'DELETE', `/api/v1/images/${image!.id}`, { token: tenant.token })).status, 204);

    const deliveries = await receiver.waitFor('/sharinpix', events.length);
    await settled(tenant.organizationId);
    assert.equal(receiver.acknowledged('/sharinpix').length, events.length, 'each once, and none of the default events');
    const bodies = new Map<string, Record<string, any>>(); // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const delivery of deliveries) {
      const timestamp = String(delivery.headers['x-album-timestamp']);
      const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${delivery.body}`).digest('hex')}`;
      assert.equal(delivery.headers['x-album-signature'], expected, 'signed');
      bodies.set(String(delivery.headers['x-album-event']), JSON.parse(delivery.body));
    }
    assert.deepEqual([...bodies.keys()].sort(), [...events].sort());
    const sequences = deliveries.map((d) => Number(d.headers['x-album-sequence']));
    assert.deepEqual(sequences, [...sequences].sort((a, b) => a - b), 'in order');

    for (const name of ['image-new', 'image-processed', 'image-deleted']) {
      const body = bodies.get(name)!;
      assert.equal(body.id, image!.id, name);
      assert.equal(body.album_id, 'spx-events');
      assert.deepEqual(Object.keys(body.thumbnails), ['full', 'large', 'mini']);
      for (const key of ['public_id', 'metadatas', 'width', 'height', 'rotation', 'gps', 'size', 'format', 'original_url', 'created_at', 'exifs', 'processed']) {
        assert.ok(key in body, `${name} has ${key}`);
      }
    }
    for (const name of ['tag-image-new', 'tag-image-deleted']) {
      const body = bodies.get(name)!;
      assert.equal(body.tag.name, 'car');
      assert.equal(typeof body.tag.label, 'string', 'labels as a JSON string, as SharinPix sends them');
      assert.equal(body.image.id, image!.id);
      assert.equal(body.user.email.endsWith('@example.org'), true);
    }
    assert.equal(bodies.get('tag-image-new')!.tag.id, bodies.get('tag-image-deleted')!.tag.id, 'one tag, one id');
    assert.deepEqual(bodies.get('upload-done'), { count: 1, platform: 'web', album_id: 'spx-events', image_ids: [image!.id] });
  });
});
