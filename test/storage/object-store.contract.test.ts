/**
 * One contract, every ObjectStore: the same tests run against LocalDiskStore and against
 * S3Store over a real S3-compatible server (s3rver), with and without a key prefix.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { LocalDiskStore } from '../../src/storage/local-disk-store.ts';
import type { ObjectStore } from '../../src/storage/object-store.ts';
import { openObjectStore } from '../../src/storage/open-store.ts';
import { S3Store } from '../../src/storage/s3-store.ts';
import { tempDir } from '../helpers/server.ts';
import { S3_CREDENTIALS, startS3, type TestS3 } from './s3-server.ts';

let s3: TestS3;
const dirs: string[] = [];
before(async () => {
  s3 = await startS3();
});
after(async () => {
  await s3.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = tempDir('store-scratch');
  dirs.push(dir);
  return dir;
}

function s3Store(prefix = '', pageSize?: number): S3Store {
  return new S3Store({
    bucket: s3.bucket,
    prefix,
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: S3_CREDENTIALS.AWS_SECRET_ACCESS_KEY },
    pageSize,
  });
}

const keysOf = (objects: Array<{ key: string }>) => objects.map((o) => o.key).sort();

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const implementations: Array<[string, () => ObjectStore]> = [
  ['LocalDiskStore', () => new LocalDiskStore(scratch())],
  ['S3Store', () => s3Store(`run-${randomBytes(4).toString('hex')}`)],
  ['S3Store, pages of 2 keys', () => s3Store(`paged-${randomBytes(4).toString('hex')}`, 2)],
];

for (const [name, open] of implementations) {
  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;
    before(() => {
      store = open();
    });
    after(() => store.close());

    test('putBuffer, then getBuffer, getStream and stat give the same bytes and size', async () => {
      const data = randomBytes(1000);
      assert.deepEqual(await store.putBuffer('a/one.bin', data, 'application/octet-stream'), { key: 'a/one.bin', size: 1000 });
      assert.deepEqual(await store.getBuffer('a/one.bin'), data);
      assert.deepEqual(await readAll((await store.getStream('a/one.bin'))!), data);
      assert.deepEqual(await store.stat('a/one.bin'), { key: 'a/one.bin', size: 1000 });
    });

    test('getStream of a byte range gives exactly those bytes (both ends inclusive)', async () => {
      const data = randomBytes(5000);
      await store.putBuffer('a/ranged.bin', data);
      assert.deepEqual(await readAll((await store.getStream('a/ranged.bin', { start: 1000, end: 2999 }))!), data.subarray(1000, 3000));
      assert.deepEqual(await readAll((await store.getStream('a/ranged.bin', { start: 4999, end: 4999 }))!), data.subarray(4999));
    });

    test('an absent key: null from getBuffer, getStream and stat; delete is no error', async () => {
      assert.equal(await store.getBuffer('absent/key.bin'), null);
      assert.equal(await store.getStream('absent/key.bin'), null);
      assert.equal(await store.stat('absent/key.bin'), null);
      await store.delete('absent/key.bin');
    });

    test('putFile moves a local file in (streamed), and the temp file is gone', async () => {
      const local = join(scratch(), 'upload.tmp');
      const data = randomBytes(3 * 1024 * 1024 + 17);
      writeFileSync(local, data);
      assert.deepEqual(await store.putFile('originals/x/v1.jpg', local, 'image/jpeg'), { key: 'originals/x/v1.jpg', size: data.length });
      assert.equal(existsSync(local), false, 'the local file was moved, not copied');
      assert.deepEqual(await store.getBuffer('originals/x/v1.jpg'), data);
    });

    test('a second put replaces the object whole', async () => {
      await store.putBuffer('b/over.txt', Buffer.from('first version, longer'));
      await store.putBuffer('b/over.txt', Buffer.from('second'));
      assert.equal((await store.getBuffer('b/over.txt'))!.toString(), 'second');
      assert.equal((await store.stat('b/over.txt'))!.size, 6);
    });

    test('a put is atomic: readers during it see the old object or the new one, whole', async () => {
      const before = Buffer.alloc(512 * 1024, 'a');
      const after = Buffer.alloc(256 * 1024, 'b');
      await store.putBuffer('atomic/x.bin', before);
      const writing = store.putBuffer('atomic/x.bin', after);
      const reads = await Promise.all(Array.from({ length: 20 }, () => store.getBuffer('atomic/x.bin')));
      await writing;
      for (const read of reads) assert.ok(read?.equals(before) || read?.equals(after), `read ${read?.length} bytes`);
      assert.deepEqual(await store.getBuffer('atomic/x.bin'), after);
    });

    test('list: every object under a directory prefix, nested, with sizes; nothing beside it', async () => {
      await store.putBuffer('list/d/1', Buffer.from('1'));
      await store.putBuffer('list/d/2', Buffer.from('22'));
      await store.putBuffer('list/d/sub/3', Buffer.from('333'));
      await store.putBuffer('list/d/sub/deeper/4', Buffer.from('4444'));
      await store.putBuffer('list/dx/5', Buffer.from('5'));
      const listed = await store.list('list/d/');
      assert.deepEqual(keysOf(listed), ['list/d/1', 'list/d/2', 'list/d/sub/3', 'list/d/sub/deeper/4']);
      assert.equal(listed.find((o) => o.key === 'list/d/sub/deeper/4')!.size, 4);
      assert.deepEqual(keysOf(await store.list('list/d')), keysOf(listed), 'a trailing slash changes nothing');
      assert.deepEqual(keysOf(await store.list('list/dx')), ['list/dx/5']);
      assert.deepEqual(await store.list('list/none/'), []);
      assert.ok(keysOf(await store.list('')).includes('list/dx/5'), "'' lists everything");
    });

    test('delete removes the object and only it', async () => {
      await store.putBuffer('del/a', Buffer.from('a'));
      await store.putBuffer('del/b', Buffer.from('b'));
      await store.delete('del/a');
      assert.equal(await store.stat('del/a'), null);
      assert.deepEqual(keysOf(await store.list('del/')), ['del/b']);
    });

    test('keys that would escape the store are refused', async () => {
      for (const key of ['../outside', 'a/../../outside', '/etc/passwd']) {
        await assert.rejects(store.putBuffer(key, Buffer.from('x')), /escapes the store/, key);
        await assert.rejects(store.getBuffer(key), /escapes the store/, key);
        await assert.rejects(store.delete(key), /escapes the store/, key);
      }
      await assert.rejects(store.list('../'), /escapes the store/);
    });
  });
}

describe('S3Store specifics', () => {
  test('a prefix keeps every key under it in the bucket, and is invisible to callers', async () => {
    const prefixed = s3Store('tenant-a/media');
    const whole = s3Store();
    await prefixed.putBuffer('k/1.txt', Buffer.from('one'));
    assert.deepEqual(keysOf(await prefixed.list('k/')), ['k/1.txt']);
    assert.deepEqual(keysOf(await whole.list('tenant-a/')), ['tenant-a/media/k/1.txt']);
    assert.equal((await whole.getBuffer('tenant-a/media/k/1.txt'))!.toString(), 'one');
    await prefixed.close();
    await whole.close();
  });

  test('STORAGE_URL=s3://... opens an S3Store with the credentials from the AWS variables', async () => {
    const config = loadConfig({ DATA_DIR: scratch(), STORAGE_URL: s3.storageUrl('from-config'), ...S3_CREDENTIALS });
    assert.equal(config.storage.kind, 's3');
    const store = openObjectStore(config);
    assert.ok(store instanceof S3Store);
    await store.putBuffer('x.txt', Buffer.from('via config'));
    assert.equal((await s3Store().getBuffer('from-config/x.txt'))!.toString(), 'via config');
    await store.close();
  });

  test('a missing bucket is an error, not an absent object', async () => {
    const store = new S3Store({
      bucket: 'no-such-bucket',
      prefix: '',
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await assert.rejects(store.getBuffer('x'));
    await store.close();
  });

  test('bad STORAGE_URL settings stop the start with every problem listed', () => {
    assert.throws(
      () =>
        loadConfig({
          DATA_DIR: scratch(),
          STORAGE_URL: 's3://b?endpoint=ftp://x&force_path_style=maybe&colour=red',
          AWS_ACCESS_KEY_ID: 'only-the-id',
        }),
      (err: Error) =>
        /endpoint must be an http/.test(err.message) &&
        /force_path_style must be true or false/.test(err.message) &&
        /unknown parameter "colour"/.test(err.message) &&
        /must be set together/.test(err.message),
    );
  });
});
