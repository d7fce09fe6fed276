import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ObjectStore, type StoredObject } from '../../storage/object-store.ts';
import { DerivedCache, derivativeCacheKey, etagOf } from './derived-cache.ts';

class MemoryStore extends ObjectStore {
  readonly objects = new Map<string, Buffer>();
  failPuts = false;

  async putFile(): Promise<StoredObject> {
    throw new Error('not used');
  }
  async putBuffer(key: string, data: Buffer): Promise<StoredObject> {
    if (this.failPuts) throw new Error('disk full');
    this.objects.set(key, data);
    return { key, size: data.length };
  }
  async getBuffer(key: string): Promise<Buffer | null> {
    return this.objects.get(key) ?? null;
  }
  async getStream(key: string): Promise<Readable | null> {
    const data = this.objects.get(key);
    return data ? Readable.from([data]) : null;
  }
  async stat(key: string): Promise<StoredObject | null> {
    const data = this.objects.get(key);
    return data ? { key, size: data.length } : null;
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
  async list(prefix: string): Promise<StoredObject[]> {
    return [...this.objects].filter(([key]) => key.startsWith(prefix)).map(([key, data]) => ({ key, size: data.length }));
  }
}

const key = (n: number) => derivativeCacheKey({ cloud: 'c', type: 'upload', transformation: `w_${n}`, publicId: 'p', version: 1, format: 'jpeg' });

test('keys depend on every part', () => {
  const base = { cloud: 'c', type: 'upload', transformation: 'w_1', publicId: 'p', version: 1, format: 'jpeg' };
  const keys = new Set([
    derivativeCacheKey(base),
    derivativeCacheKey({ ...base, cloud: 'd' }),
    derivativeCacheKey({ ...base, type: 'private' }),
    derivativeCacheKey({ ...base, transformation: 'w_2' }),
    derivativeCacheKey({ ...base, publicId: 'q' }),
    derivativeCacheKey({ ...base, version: 2 }),
    derivativeCacheKey({ ...base, format: 'webp' }),
  ]);
  assert.equal(keys.size, 7);
});

test('concurrent requests for one key compute once; later ones read the store', async () => {
  const store = new MemoryStore();
  const cache = new DerivedCache({ store });
  let computed = 0;
  const compute = async () => {
    computed += 1;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return Buffer.from('rendered');
  };
  const [a, b] = await Promise.all([cache.getOrCreate(key(1), compute), cache.getOrCreate(key(1), compute)]);
  assert.equal(computed, 1);
  assert.equal(a.etag, etagOf(Buffer.from('rendered')));
  assert.deepEqual(a, b);
  assert.equal(cache.peekEtag(key(1)), a.etag);
  const again = await cache.getOrCreate(key(1), compute);
  assert.equal(computed, 1);
  assert.equal(again.body.toString(), 'rendered');
  assert.equal(cache.bytes, 8);
});

test('a failed compute is not remembered', async () => {
  const cache = new DerivedCache({ store: new MemoryStore() });
  await assert.rejects(cache.getOrCreate(key(1), async () => Promise.reject(new Error('boom'))), /boom/);
  const ok = await cache.getOrCreate(key(1), async () => Buffer.from('x'));
  assert.equal(ok.body.toString(), 'x');
});

test('bounded by bytes: least recently used go first, from the store too', async () => {
  const store = new MemoryStore();
  const cache = new DerivedCache({ store, maxBytes: 250 });
  const body = (n: number) => async () => Buffer.alloc(100, n);
  await cache.getOrCreate(key(1), body(1));
  await cache.getOrCreate(key(2), body(2));
  await cache.getOrCreate(key(1), body(1)); // used again: now key 2 is the oldest
  await cache.getOrCreate(key(3), body(3));
  assert.equal(cache.bytes, 200);
  assert.equal(store.objects.size, 2);
  assert.equal(cache.peekEtag(key(2)), undefined);
  assert.ok(cache.peekEtag(key(1)));
  // Larger than the whole bound: served, not kept.
  const huge = await cache.getOrCreate(key(4), async () => Buffer.alloc(300));
  assert.equal(huge.body.length, 300);
  assert.equal(store.objects.size, 2);
});

test('the index is rebuilt from the store, and objects gone or added elsewhere are handled', async () => {
  const store = new MemoryStore();
  const first = new DerivedCache({ store, maxBytes: 1000 });
  await first.getOrCreate(key(1), async () => Buffer.alloc(100));
  await first.getOrCreate(key(2), async () => Buffer.alloc(100));
  store.objects.set('derived/zz/not-a-derivative-key!', Buffer.alloc(5));

  // No memory tier: this is about what the shared store holds.
  const second = new DerivedCache({ store, maxBytes: 150, memoryBytes: 0 });
  await second.ready();
  assert.equal(second.bytes, 100, 'over the bound at start-up: the excess is evicted');
  assert.equal(store.objects.size, 2);

  let computed = 0;
  const compute = async () => {
    computed += 1;
    return Buffer.alloc(100);
  };
  await second.getOrCreate(key(2), compute);
  assert.equal(computed, 0);
  // Another process evicted it: a miss, rendered again.
  store.objects.clear();
  await second.getOrCreate(key(2), compute);
  assert.equal(computed, 1);
  // Another process rendered it: a hit.
  await first.getOrCreate(key(5), async () => Buffer.alloc(10));
  await second.getOrCreate(key(5), compute);
  assert.equal(computed, 1);
});

test('store failures are reported and survived', async () => {
  const store = new MemoryStore();
  store.failPuts = true;
  const errors: unknown[] = [];
  const cache = new DerivedCache({ store, onError: (error) => errors.push(error) });
  const result = await cache.getOrCreate(key(1), async () => Buffer.from('x'));
  assert.equal(result.body.toString(), 'x');
  assert.equal(errors.length, 1);
  assert.equal(cache.bytes, 0);
  await assert.rejects(cache.getOrCreate('../escape', async () => Buffer.from('x')), /invalid key/);
});
