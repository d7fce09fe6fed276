import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { LocalDiskStore } from '../../storage/local-disk-store.ts';
import { buildDeliveryUrl } from './delivery-url.ts';
import { DerivedCache } from './derived-cache.ts';
import { deliveryRoutes, type DeliveryAsset } from './delivery-route.ts';
import { Derivatives } from './derivatives.ts';
import type { TransformationLimits } from './transformations.ts';

const CLOUD = 'testcloud';
const SECRET = 'route-secret';

/** Counts reads of originals (one per render) and how many run at once. */
class SpyStore extends LocalDiskStore {
  originalReads = 0;
  running = 0;
  maxRunning = 0;
  readDelayMs = 0;

  override async getBuffer(key: string): Promise<Buffer | null> {
    if (!key.startsWith('originals/')) return super.getBuffer(key);
    this.originalReads += 1;
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.readDelayMs));
      return await super.getBuffer(key);
    } finally {
      this.running -= 1;
    }
  }
}

let root: string;
let original: Buffer;
/** Every cache the tests made, so that their unawaited store writes end before the folder goes. */
const caches: DerivedCache[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'delivery-route-'));
  original = await sharp({ create: { width: 600, height: 400, channels: 3, background: { r: 0, g: 128, b: 255 } } })
    .jpeg()
    .toBuffer();
});

after(async () => {
  await Promise.all(caches.map((cache) => cache.settled()));
  await rm(root, { recursive: true, force: true });
});

interface Harness {
  app: FastifyInstance;
  store: SpyStore;
  lookups: string[];
}

async function harness(
  options: { prefix?: string; limits?: Partial<TransformationLimits>; renderConcurrency?: number } = {},
): Promise<Harness> {
  const store = new SpyStore(await mkdtemp(join(root, 'store-')));
  const assets = new Map<string, DeliveryAsset>();
  for (const [id, type] of [
    ['albums/a1/photo', 'upload'],
    ['secret/photo', 'authenticated'],
    ['private/photo', 'private'],
    ['other', 'upload'],
  ] as const) {
    await store.putBuffer(`originals/${id}.jpg`, original);
    assets.set(`${type}:${id}`, { version: 17, storageKey: `originals/${id}.jpg`, format: 'jpg', faces: [], facesKnown: true });
  }
  const lookups: string[] = [];
  const cache = new DerivedCache({ store });
  caches.push(cache);
  const app = Fastify();
  await app.register(
    deliveryRoutes({
      cloudName: CLOUD,
      apiSecret: SECRET,
      store,
      derivatives: new Derivatives(store, cache, options.renderConcurrency ?? 2, async (publicId) =>
        assets.get(`upload:${publicId}`)?.storageKey ?? null,
      ),
      expandNamed: async (transformation) => transformation,
      rememberFaces: () => {},
      findAsset: async (_resourceType, publicId, type) => {
        lookups.push(`${type}:${publicId}`);
        return assets.get(`${type}:${publicId}`) ?? null;
      },
      limits: options.limits,
    }),
    { prefix: options.prefix },
  );
  return { app, store, lookups };
}

/** A URL to the test assets; the stored version unless told, since foldered ids would otherwise get `v1`. */
function url(options: { type?: string; transformation?: string; version?: number | null; publicId?: string; ext?: string; sign?: boolean }) {
  return buildDeliveryUrl({
    baseUrl: '',
    cloud: CLOUD,
    type: options.type ?? 'upload',
    transformation: options.transformation,
    version: options.version === undefined ? 17 : options.version,
    publicId: options.publicId ?? 'albums/a1/photo',
    ext: options.ext ?? 'jpg',
    apiSecret: SECRET,
    sign: options.sign ?? true,
  });
}

test('a signed derivative is rendered, with immutable caching headers', async () => {
  const { app, store } = await harness();
  const res = await app.inject(url({ transformation: 'c_fill,h_100,w_100', version: 17 }));
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'image/jpeg');
  assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.match(String(res.headers.etag), /^"[A-Za-z0-9_-]{43}"$/);
  assert.equal(res.headers.vary, undefined);
  const meta = await sharp(res.rawPayload).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 100, 100]);
  assert.equal(store.originalReads, 1);
});

test('upload accepts unsigned URLs; a present but wrong signature is refused before any lookup', async () => {
  const { app, store, lookups } = await harness();
  const unsigned = await app.inject(url({ transformation: 'c_fit,w_50', sign: false }));
  assert.equal(unsigned.statusCode, 200);
  assert.equal((await sharp(unsigned.rawPayload).metadata()).width, 50);
  lookups.length = 0;
  const reads = store.originalReads;

  const tampered = url({ transformation: 'c_fit,w_50' }).replace('w_50', 'w_500');
  const res = await app.inject(tampered);
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json(), { error: { message: 'Invalid url' } });
  assert.equal(res.headers['x-cld-error'], 'Invalid url');
  assert.equal(res.headers['cache-control'], undefined);
  const wrongSecret = buildDeliveryUrl({ baseUrl: '', cloud: CLOUD, publicId: 'other', ext: 'jpg', apiSecret: 'nope', sign: true });
  assert.equal((await app.inject(wrongSecret)).statusCode, 400);
  assert.equal((await app.inject(`/${CLOUD}/image/upload/s--AAAAAAAA--/other.jpg`)).statusCode, 400);
  assert.deepEqual(lookups, []);
  assert.equal(store.originalReads, reads);
});

test('authenticated and private need a valid signature', async () => {
  const { app, lookups } = await harness();
  const unsigned = await app.inject(url({ type: 'authenticated', publicId: 'secret/photo', transformation: 'w_10', sign: false }));
  assert.equal(unsigned.statusCode, 400);
  assert.deepEqual(unsigned.json(), { error: { message: 'Invalid url' } });
  assert.equal((await app.inject(url({ type: 'private', publicId: 'private/photo', sign: false }))).statusCode, 400);
  assert.deepEqual(lookups, []);
  const signed = await app.inject(url({ type: 'authenticated', publicId: 'secret/photo', transformation: 'w_10' }));
  assert.equal(signed.statusCode, 200);
  const priv = await app.inject(url({ type: 'private', publicId: 'private/photo', transformation: 'w_10' }));
  assert.equal(priv.statusCode, 200);
  // The same public id under another type is another resource.
  assert.equal((await app.inject(url({ type: 'authenticated', publicId: 'other' }))).statusCode, 404);
});

test('unknown cloud or asset is 404; any version serves the latest', async () => {
  const { app } = await harness();
  assert.equal((await app.inject(`/elsewhere/image/upload/other.jpg`)).statusCode, 404);
  const missing = await app.inject(url({ publicId: 'nobody' }));
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), { error: { message: 'Resource not found' } });
  // A version busts caches; it never hides the asset (Cloudinary serves the latest too).
  assert.equal((await app.inject(url({ publicId: 'other', version: 16, transformation: 'w_10' }))).statusCode, 200);
  assert.equal((await app.inject(url({ publicId: 'other', version: 17, transformation: 'w_10' }))).statusCode, 200);
  assert.equal((await app.inject(url({ publicId: 'other', version: null, transformation: 'w_10' }))).statusCode, 200);
  // The SDK's forced `v1` for a foldered id built without a version.
  const foldered = url({ version: null, transformation: 'w_10' });
  assert.match(foldered, /\/v1\/albums\//);
  assert.equal((await app.inject(foldered)).statusCode, 200);
  // No extension: the stored format.
  const bare = await app.inject(`/${CLOUD}/image/upload/w_10/other`);
  assert.equal(bare.statusCode, 200);
  assert.equal(bare.headers['content-type'], 'image/jpeg');
  assert.equal((await app.inject(`/${CLOUD}/image/fetch/other.jpg`)).statusCode, 404);
});

test('malformed paths and bad transformations are 400 with a message', async () => {
  const { app, lookups } = await harness();
  const malformed = await app.inject(`/${CLOUD}/image/upload/w_10/bad.jp-g`);
  assert.equal(malformed.statusCode, 400);
  assert.deepEqual(malformed.json(), { error: { message: 'Invalid url' } });
  const huge = await app.inject(url({ transformation: 'c_scale,w_50000' }));
  assert.equal(huge.statusCode, 400);
  assert.match(huge.json().error.message, /exceeds/);
  assert.match(String(huge.headers['x-cld-error']), /exceeds/);
  const chain = await app.inject(url({ transformation: Array.from({ length: 11 }, () => 'a_90').join('/') }));
  assert.equal(chain.statusCode, 400);
  const unsupported = await app.inject(url({ transformation: 'e_cartoonify' }));
  assert.equal(unsupported.statusCode, 400);
  assert.match(unsupported.json().error.message, /e_cartoonify/);
  assert.equal((await app.inject(url({ ext: 'bmp' }))).statusCode, 400);
  assert.deepEqual(lookups, []);
  // A size only known once the image is: refused as well, after the lookup.
  const tall = await app.inject(url({ transformation: 'c_scale,h_8000', publicId: 'other' }));
  assert.equal(tall.statusCode, 400);
  assert.match(tall.json().error.message, /exceeds/);
});

test('If-None-Match with the ETag gets a 304 without rendering again', async () => {
  const { app, store } = await harness();
  const target = url({ transformation: 'c_fit,w_80' });
  const first = await app.inject(target);
  const etag = String(first.headers.etag);
  const reads = store.originalReads;
  const again = await app.inject({ url: target, headers: { 'if-none-match': `W/"other", ${etag}` } });
  assert.equal(again.statusCode, 304);
  assert.equal(again.rawPayload.length, 0);
  assert.equal(again.headers.etag, etag);
  assert.equal(again.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(store.originalReads, reads);
  const stale = await app.inject({ url: target, headers: { 'if-none-match': '"stale"' } });
  assert.equal(stale.statusCode, 200);
  assert.deepEqual(stale.rawPayload, first.rawPayload);
});

test('two concurrent requests for one derivative render once', async () => {
  const { app, store } = await harness();
  store.readDelayMs = 30;
  const target = url({ transformation: 'c_fill,g_auto,h_120,w_120' });
  const [a, b] = await Promise.all([app.inject(target), app.inject(target)]);
  assert.equal(a.statusCode, 200);
  assert.equal(b.statusCode, 200);
  assert.equal(store.originalReads, 1);
  assert.equal(a.headers.etag, b.headers.etag);
});

test('renders are bounded by renderConcurrency', async () => {
  const { app, store } = await harness({ renderConcurrency: 1 });
  store.readDelayMs = 20;
  // Three different originals: one original asked for twice is read once and kept.
  const targets = [
    url({ transformation: 'w_10', publicId: 'albums/a1/photo' }),
    url({ transformation: 'w_20', publicId: 'other' }),
    url({ transformation: 'w_30', publicId: 'secret/photo', type: 'authenticated', sign: true }),
    url({ transformation: 'w_40', publicId: 'other' }),
  ];
  const responses = await Promise.all(targets.map((target) => app.inject(target)));
  assert.deepEqual(responses.map((r) => r.statusCode), [200, 200, 200, 200]);
  assert.equal(store.originalReads, 3);
  assert.equal(store.maxRunning, 1);
});

test('f_auto negotiates by Accept and says Vary: Accept', async () => {
  const { app } = await harness();
  const target = url({ transformation: 'c_fit,f_auto,q_auto,w_64' });
  const avif = await app.inject({ url: target, headers: { accept: 'image/avif,image/webp,*/*' } });
  assert.equal(avif.headers['content-type'], 'image/avif');
  assert.equal(avif.headers.vary, 'Accept');
  const webp = await app.inject({ url: target, headers: { accept: 'image/webp,*/*' } });
  assert.equal(webp.headers['content-type'], 'image/webp');
  assert.notEqual(webp.headers.etag, avif.headers.etag);
  const plain = await app.inject(target);
  assert.equal(plain.headers['content-type'], 'image/jpeg');
  assert.equal((await sharp(plain.rawPayload).metadata()).format, 'jpeg');
});

test('fl_attachment names the download', async () => {
  const { app } = await harness();
  const res = await app.inject(url({ transformation: 'c_fit,w_20/fl_attachment' }));
  assert.equal(res.headers['content-disposition'], 'attachment; filename="photo.jpg"');
  const webp = await app.inject(url({ transformation: 'f_webp,fl_attachment', publicId: 'other' }));
  assert.equal(webp.headers['content-disposition'], 'attachment; filename="other.webp"');
});

test('an untransformed URL in the stored format serves the original bytes', async () => {
  const { app, store } = await harness();
  const res = await app.inject(url({ version: 17 }));
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.rawPayload, original);
  assert.equal(res.headers['content-length'], String(original.length));
  assert.equal(res.headers['content-type'], 'image/jpeg');
  assert.equal(store.originalReads, 0);
  const cached = await app.inject({ url: url({ version: 17 }), headers: { 'if-none-match': String(res.headers.etag) } });
  assert.equal(cached.statusCode, 304);
  const converted = await app.inject(url({ ext: 'png' }));
  assert.equal((await sharp(converted.rawPayload).metadata()).format, 'png');
});

test('works under a prefix', async () => {
  const { app } = await harness({ prefix: '/media' });
  const res = await app.inject(`/media${url({ transformation: 'c_fit,w_30' })}`);
  assert.equal(res.statusCode, 200);
  assert.equal((await sharp(res.rawPayload).metadata()).width, 30);
});
