/**
 * An answered upload is never lost: uploads in flight, the server killed with SIGKILL, then
 * restarted on the same data: every upload that was answered 200 is in its album, once.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fixtures from '../fixtures/images.ts';
import { createPostgresDatabase, usingPostgres } from '../helpers/database.ts';
import { type ChildService, freePort, startChild } from '../helpers/child-server.ts';
import { call, tempDir } from '../helpers/server.ts';
import { createAlbum, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('SIGKILL with uploads in flight loses no answered upload', { timeout: 120_000 }, async () => {
  const dataDir = tempDir('crash');
  const database = usingPostgres() ? await createPostgresDatabase() : null;
  if (database) cleanups.push(database.drop);
  const port = await freePort();
  const env = {
    DATA_DIR: dataDir,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...(database ? { DATABASE_URL: database.url } : {}),
  };
  // Workers off for the first life, so every answered upload's notification is still
  // pending in the outbox when the process dies.
  let service: ChildService = await startChild('serve', { ...env, WORKERS: '0' }, { port });
  cleanups.push(() => service.kill('SIGKILL'));
  const token = /token \(4 h\):\s+(\S+)/.exec(service.output())?.[1];
  assert.ok(token, `first start prints a token:\n${service.output()}`);

  const album = await createAlbum(service, token);
  const dir = tempDir('crash-files');
  const files = await Promise.all(
    Array.from({ length: 16 }, (_, i) => fixtures.solidColor(dir, `#${(i * 15 + 16).toString(16).padStart(2, '0')}4080`)),
  );
  const answered: string[] = [];
  const outcomes: string[] = [];
  let killed = false;
  const uploads = files.map(async (file) => {
    try {
      const res = await uploadToAlbum(album, file);
      outcomes.push(`${res.status} ${res.status === 200 ? '' : JSON.stringify(res.body)}`);
      if (res.status === 200) {
        answered.push(String(res.body.public_id));
        if (answered.length === 6 && !killed) {
          killed = true;
          await service.kill('SIGKILL');
        }
      }
    } catch (err) {
      // cut off by the kill: never answered, so nothing is promised
      outcomes.push(`cut: ${(err as Error).message}`);
    }
  });
  await Promise.all(uploads);
  assert.ok(killed, `the server was killed while uploads were in flight: ${outcomes.join('; ')}`);
  assert.ok(answered.length >= 6 && answered.length < files.length, `answered ${answered.length} of ${files.length}`);

  service = await startChild('serve', env, { port });
  const images = await waitForImages(service, token, album.id, answered.length, 30_000);
  const publicIds = images.map((i) => i.public_id as string);
  for (const id of answered) assert.equal(publicIds.filter((p) => p === id).length, 1, `${id} is in the album once`);
  const albumJson = await call<{ images_count: number }>(service, 'GET', `/api/v1/albums/${album.id}`, { token });
  assert.equal(albumJson.body.images_count, images.length);
  await service.kill('SIGTERM');
});
