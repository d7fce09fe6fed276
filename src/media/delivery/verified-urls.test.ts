import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { LocalDiskStore } from '../../storage/local-disk-store.ts';
import { AssetLookup, ASSET_LOOKUP_TTL_MS } from '../asset-lookup.ts';
import { AssetRemoval } from '../asset-removal.ts';
import type { AssetKey, MediaAsset, MediaAssetsRepository } from '../media-assets.repository.ts';
import { buildDeliveryUrl } from './delivery-url.ts';
import { answerFromMemory, deliveryRoutes } from './delivery-route.ts';
import { Derivatives } from './derivatives.ts';
import { DerivedCache } from './derived-cache.ts';
import { type VerifiedAnswer, VerifiedUrls } from './verified-urls.ts';

function answer(asset: string, validUntil: number, bytes = 10): VerifiedAnswer {
  const body = Buffer.alloc(bytes, 1);
  return { asset, validUntil, etag: `"${asset}"`, body, headers: ['content-length', String(bytes)], notModifiedHeaders: [] };
}

describe('VerifiedUrls', () => {
  test('an answer is found until the lookup it rests on expires, then forgotten', () => {
    let now = 1000;
    const urls = new VerifiedUrls({ now: () => now });
    urls.remember('/a', null, answer('asset1', 6000), urls.epoch);
    assert.equal(urls.find('/a', undefined)?.etag, '"asset1"');
    assert.equal(urls.find('/a', 'image/webp')?.etag, '"asset1"', 'Accept does not matter to a URL without f_auto');
    now = 5999;
    assert.ok(urls.find('/a', undefined));
    now = 6000;
    assert.equal(urls.find('/a', undefined), undefined);
    assert.equal(urls.size, 0);
    assert.equal(urls.bytes, 0);
    // Already stale when offered: not kept.
    urls.remember('/b', null, answer('asset1', 6000), urls.epoch);
    assert.equal(urls.size, 0);
  });

  test("revoking an asset drops its answers only, and any answer computed across the revocation", () => {
    const urls = new VerifiedUrls({ now: () => 0 });
    urls.remember('/a/1', null, answer('asset1', 10), urls.epoch);
    urls.remember('/a/2', 'image/webp', answer('asset1', 10), urls.epoch);
    urls.remember('/b/1', null, answer('asset2', 10), urls.epoch);
    const computing = urls.epoch;
    urls.revoke('asset1');
    assert.equal(urls.find('/a/1', undefined), undefined);
    assert.equal(urls.find('/a/2', 'image/webp'), undefined);
    assert.ok(urls.find('/b/1', undefined));
    // Looked up before the revocation, finished after: it may rest on what was revoked.
    urls.remember('/a/1', null, answer('asset1', 10), computing);
    assert.equal(urls.find('/a/1', undefined), undefined);
    urls.remember('/a/1', null, answer('asset1', 10), urls.epoch);
    assert.ok(urls.find('/a/1', undefined));
    urls.revokeAsset('cloud', { type: 'upload', publicId: 'nothing/here' });
    assert.equal(urls.size, 2, 'an asset with no answers revokes nothing else');
  });

  test('f_auto answers are kept per Accept header', () => {
    const urls = new VerifiedUrls({ now: () => 0 });
    urls.remember('/auto', 'image/avif,image/webp', { ...answer('asset1', 10), etag: '"avif"' }, urls.epoch);
    urls.remember('/auto', '', { ...answer('asset1', 10), etag: '"jpeg"' }, urls.epoch);
    assert.equal(urls.find('/auto', 'image/avif,image/webp')?.etag, '"avif"');
    assert.equal(urls.find('/auto', undefined)?.etag, '"jpeg"');
    assert.equal(urls.find('/auto', 'image/webp'), undefined);
    assert.equal(urls.bytes, 20);
  });

  test('bounded by entries and bytes, oldest first', () => {
    const urls = new VerifiedUrls({ now: () => 0, maxEntries: 2, maxBytes: 800 });
    for (const name of ['/1', '/2', '/3']) urls.remember(name, null, answer('a', 10), urls.epoch);
    assert.deepEqual(['/1', '/2', '/3'].map((name) => Boolean(urls.find(name, undefined))), [false, true, true]);
    urls.remember('/big', null, answer('b', 10, 101), urls.epoch);
    assert.equal(urls.find('/big', undefined), undefined, 'a body over an eighth of the bound is not held');
    const byBytes = new VerifiedUrls({ now: () => 0, maxBytes: 800 });
    for (let i = 0; i < 9; i++) byBytes.remember(`/${i}`, null, answer('b', 10, 100), byBytes.epoch);
    assert.equal(byBytes.size, 8);
    assert.equal(byBytes.bytes, 800);
    assert.equal(byBytes.find('/0', undefined), undefined);
    assert.ok(byBytes.find('/8', undefined));
  });
});

describe('through the delivery routes, with the host’s lookup, cache and removal', () => {
  const CLOUD = 'vcloud';
  const SECRET = 'verified-secret';
  let root: string;
  const caches: DerivedCache[] = [];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'verified-urls-'));
  });
  after(async () => {
    await Promise.all(caches.map((cache) => cache.settled()));
    await rm(root, { recursive: true, force: true });
  });

  const picture = (background: { r: number; g: number; b: number }) =>
    sharp({ create: { width: 400, height: 300, channels: 3, background } }).jpeg().toBuffer();

  /**
   * The host's parts wired as media-host.ts wires them, over an in-memory record table that
   * counts reads, with the route's asset lookups counted too: the lookup remembers records for
   * as long as a verified answer lives, so only the route's own lookups show a URL answered
   * from memory.
   */
  async function host() {
    let now = 1_000_000;
    const clock = () => now;
    const store = new LocalDiskStore(await mkdtemp(join(root, 'store-')));
    const rows = new Map<string, MediaAsset>();
    const id = (key: AssetKey) => `${key.resourceType}/${key.type}/${key.publicId}`;
    let reads = 0;
    // What AssetLookup and AssetRemoval use of the repository.
    const assets: Pick<MediaAssetsRepository, 'find' | 'update' | 'remove'> = {
      find: async (key) => {
        reads += 1;
        return rows.get(id(key));
      },
      update: async (key, patch) => {
        const row = rows.get(id(key));
        if (row) rows.set(id(key), { ...row, ...patch });
      },
      remove: async (key) => rows.delete(id(key)),
    };
    const put = async (publicId: string, version: number, bytes: Buffer) => {
      const storageKey = `originals/upload/${publicId}/v${version}.jpg`;
      await store.putBuffer(storageKey, bytes);
      rows.set(id({ resourceType: 'image', type: 'upload', publicId }), {
        resource_type: 'image',
        type: 'upload',
        public_id: publicId,
        version,
        storage_key: storageKey,
        format: 'jpg',
        faces: '[]',
        analysis: '{}',
      } as MediaAsset);
    };
    let lookups = 0;
    const verified = new VerifiedUrls({ now: clock });
    const lookup = new AssetLookup(assets, { now: clock, onForget: (key) => verified.revokeAsset(CLOUD, key) });
    const cache = new DerivedCache({ store, onPurge: (prefix) => verified.revoke(prefix) });
    caches.push(cache);
    const removal = new AssetRemoval({ cloudName: CLOUD, assets, store, cache, lookup });
    const app: FastifyInstance = Fastify();
    await app.register(
      deliveryRoutes({
        cloudName: CLOUD,
        apiSecret: SECRET,
        store,
        derivatives: new Derivatives(store, cache, 2, async () => null),
        verified,
        findAsset: (resourceType, publicId, type, version) => {
          lookups += 1;
          return lookup.find({ resourceType, type, publicId }, version);
        },
        expandNamed: async (transformation) => transformation.replace('t_thumb', 'c_fill,h_20,w_20'),
        rememberFaces: () => {},
      }),
    );
    return {
      app,
      put,
      removal,
      verified,
      reads: () => reads,
      lookups: () => lookups,
      advance: (ms: number) => (now += ms),
    };
  }

  const url = (transformation: string, publicId = 'photo') =>
    buildDeliveryUrl({ baseUrl: '', cloud: CLOUD, transformation, publicId, ext: 'jpg', apiSecret: SECRET, sign: true });

  test('a hot URL is answered from memory, 304 included, with the same bytes and headers', async () => {
    const h = await host();
    await h.put('photo', 1, await picture({ r: 0, g: 0, b: 255 }));
    const first = await h.app.inject(url('c_fill,h_50,w_60'));
    assert.equal(first.statusCode, 200);
    assert.equal(h.reads(), 1);
    assert.equal(h.verified.size, 1);
    const again = await h.app.inject(url('c_fill,h_50,w_60'));
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.rawPayload, first.rawPayload);
    for (const name of ['etag', 'cache-control', 'content-type', 'content-length', 'access-control-allow-origin', 'x-content-type-options']) {
      assert.equal(again.headers[name], first.headers[name], name);
    }
    const notModified = await h.app.inject({ url: url('c_fill,h_50,w_60'), headers: { 'if-none-match': String(first.headers.etag) } });
    assert.equal(notModified.statusCode, 304);
    assert.equal(notModified.rawPayload.length, 0);
    assert.equal(notModified.headers.etag, first.headers.etag);
    assert.equal(notModified.headers['content-length'], undefined);
    assert.equal(h.reads(), 1, 'neither asked for the record again');
    assert.equal(h.lookups(), 1, 'nor looked the asset up: both answered from memory');
  });

  test('an answer lasts as long as the asset lookup it rests on', async () => {
    const h = await host();
    await h.put('photo', 1, await picture({ r: 0, g: 0, b: 255 }));
    await h.app.inject(url('c_fill,h_50,w_60'));
    h.advance(ASSET_LOOKUP_TTL_MS - 1);
    await h.app.inject(url('c_fill,h_50,w_60'));
    assert.equal(h.reads(), 1);
    assert.equal(h.lookups(), 1, 'answered from memory');
    h.advance(1);
    assert.equal((await h.app.inject(url('c_fill,h_50,w_60'))).statusCode, 200);
    assert.equal(h.reads(), 2, 'read again once the lookup expired');
    await h.app.inject(url('c_fill,h_50,w_60'));
    assert.equal(h.reads(), 2, 'and remembered again');
    assert.equal(h.lookups(), 2, 'the expired answer was looked up again, the next one answered from memory');
  });

  test('an overwrite revokes at once: the next request serves the new file', async () => {
    const h = await host();
    await h.put('photo', 1, await picture({ r: 0, g: 0, b: 255 }));
    const before = await h.app.inject(url('c_fill,h_50,w_60'));
    await h.app.inject(url('c_fill,h_50,w_60'));
    // What MediaUploader does on an overwrite: purge the derivatives, store, record, forget.
    await h.removal.purgeDerivatives({ resourceType: 'image', type: 'upload', publicId: 'photo' });
    await h.put('photo', 2, await picture({ r: 255, g: 0, b: 0 }));
    h.removal.forget({ resourceType: 'image', type: 'upload', publicId: 'photo' });
    const after = await h.app.inject(url('c_fill,h_50,w_60'));
    assert.equal(after.statusCode, 200);
    assert.notEqual(after.headers.etag, before.headers.etag);
    const { data } = await sharp(after.rawPayload).raw().toBuffer({ resolveWithObject: true });
    assert.ok(data[0]! > 200 && data[2]! < 50, 'red, the new picture');
  });

  test('a destroy revokes at once: the next request is a 404', async () => {
    const h = await host();
    await h.put('photo', 1, await picture({ r: 0, g: 0, b: 255 }));
    await h.put('other', 1, await picture({ r: 0, g: 255, b: 0 }));
    await h.app.inject(url('c_fill,h_50,w_60'));
    await h.app.inject(url('c_fill,h_50,w_60', 'other'));
    assert.equal(h.verified.size, 2);
    assert.ok(await h.removal.destroy({ resourceType: 'image', type: 'upload', publicId: 'photo' }));
    const gone = await h.app.inject(url('c_fill,h_50,w_60'));
    assert.equal(gone.statusCode, 404);
    assert.deepEqual(gone.json(), { error: { message: 'Resource not found' } });
    assert.equal(h.verified.size, 1, "the other asset's answer stays");
  });

  test('a purge of derivatives (Admin API) revokes them too', async () => {
    const h = await host();
    await h.put('photo', 1, await picture({ r: 0, g: 0, b: 255 }));
    await h.app.inject(url('c_fill,h_50,w_60'));
    assert.equal(h.verified.size, 1);
    await h.removal.purgeDerivatives({ resourceType: 'image', type: 'upload', publicId: 'photo' });
    assert.equal(h.verified.size, 0);
  });

  test('answerFromMemory answers remembered URLs on node:http as the route does, and nothing else', async () => {
    const h = await host();
    await h.put('photo', 1, await picture({ r: 0, g: 0, b: 255 }));
    const target = url('c_fill,h_50,w_60');
    const routed = await h.app.inject(target);
    const server = createServer((request, response) => {
      if (!answerFromMemory(h.verified, request, response)) {
        response.writeHead(418);
        response.end();
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const hit = await fetch(base + target);
      assert.equal(hit.status, 200);
      assert.deepEqual(Buffer.from(await hit.arrayBuffer()), routed.rawPayload);
      for (const name of ['etag', 'cache-control', 'content-type', 'content-length', 'access-control-allow-origin', 'x-content-type-options']) {
        assert.equal(hit.headers.get(name), routed.headers[name], name);
      }
      const notModified = await fetch(base + target, { headers: { 'If-None-Match': String(routed.headers.etag) } });
      assert.equal(notModified.status, 304);
      const head = await fetch(base + target, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), routed.headers['content-length']);
      assert.equal((await fetch(base + target, { method: 'POST' })).status, 418);
      assert.equal((await fetch(base + url('c_fill,h_51,w_60'))).status, 418, 'a URL not remembered goes on');
      h.advance(ASSET_LOOKUP_TTL_MS);
      assert.equal((await fetch(base + target)).status, 418, 'nor an expired one');
    } finally {
      server.close();
      await once(server, 'close');
    }
  });

  test('named transformations and client hints are not remembered; f_auto is, per Accept', async () => {
    const h = await host();
    await h.put('photo', 1, await picture({ r: 0, g: 0, b: 255 }));
    await h.app.inject(url('t_thumb'));
    await h.app.inject({ url: url('c_scale,w_auto'), headers: { 'sec-ch-width': '120' } });
    assert.equal(h.verified.size, 0);
    const webp = await h.app.inject({ url: url('c_fill,f_auto,h_50,w_60'), headers: { accept: 'image/webp' } });
    const jpeg = await h.app.inject(url('c_fill,f_auto,h_50,w_60'));
    assert.equal(h.verified.size, 1);
    const reads = h.reads();
    const lookups = h.lookups();
    const webpAgain = await h.app.inject({ url: url('c_fill,f_auto,h_50,w_60'), headers: { accept: 'image/webp' } });
    const jpegAgain = await h.app.inject(url('c_fill,f_auto,h_50,w_60'));
    assert.equal(h.reads(), reads);
    assert.equal(h.lookups(), lookups, 'both answered from memory');
    assert.equal(webpAgain.headers['content-type'], 'image/webp');
    assert.equal(webpAgain.headers.etag, webp.headers.etag);
    assert.equal(webpAgain.headers.vary, 'Accept');
    assert.equal(jpegAgain.headers['content-type'], 'image/jpeg');
    assert.equal(jpegAgain.headers.etag, jpeg.headers.etag);
  });
});
