/**
 * An album ZIP of 2,000 images from a server in its own process: streamed with the server's
 * resident memory (VmRSS in /proc/<pid>/status) growing by less than 50 MB, accepted by the
 * system's `unzip -t`, every file byte for byte the original, and a download cut half way
 * and resumed with Range giving the same archive.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { ReadableStream } from 'node:stream/web';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { type ChildService, startChild } from '../helpers/child-server.ts';
import { createPostgresDatabase, usingPostgres } from '../helpers/database.ts';
import { tempDir } from '../helpers/server.ts';
import { type StoredImage, storeImages } from '../helpers/stored-images.ts';

const IMAGES = 2_000;
const ALBUM = 'big-album';
/** About 96 MB of originals: twice the memory bound, so buffering them could not pass. */
const sizeOf = (i: number) => 40_000 + (i % 17) * 1_000;
/** Every tenth image shares a name, so the ZIP must number them. */
const nameOf = (i: number) => (i % 10 === 0 ? 'IMG_shared.jpg' : `IMG_${String(i).padStart(4, '0')}.jpg`);

let server: ChildService;
let db: Db;
let dropDatabase: (() => Promise<void>) | undefined;
let token: string;
let images: StoredImage[];
const dataDir = tempDir('zip-scale');

before(async () => {
  const database = usingPostgres() ? await createPostgresDatabase() : null;
  dropDatabase = database?.drop;
  const databaseUrl = database?.url ?? `sqlite://${join(dataDir, 'album-api.sqlite')}`;
  server = await startChild('serve', { DATA_DIR: dataDir, DATABASE_URL: databaseUrl, WORKERS: '0' });
  token = /token \(4 h\):\s+(\S+)/.exec(server.output())![1]!;
  db = openDatabase(databaseUrl);
  const headers = { Authorization: `Token token="${token}"`, 'Content-Type': 'application/json' };
  const org = (await (await fetch(`${server.url}/api/v1/organization`, { headers })).json()) as { id: string };
  const created = await fetch(`${server.url}/api/v1/albums`, { method: 'POST', headers, body: JSON.stringify({ public_id: ALBUM }) });
  assert.equal(created.status, 200);
  images = await storeImages(db, join(dataDir, 'media'), { organizationId: org.id, albumPublicId: ALBUM, count: IMAGES, size: sizeOf, name: nameOf });
});

after(async () => {
  await server?.kill();
  await db?.close();
  await dropDatabase?.();
});

/** The server's resident set size, in bytes. */
function rss(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) * 1024;
}

const zipUrl = () => `${server.url}/api/v1/albums/${ALBUM}/download.zip`;

/** Downloads into `path`, sampling the server's RSS meanwhile; returns the response and the highest RSS seen. */
async function download(path: string, query = ''): Promise<{ response: Response; peak: number }> {
  const pid = server.process.pid!;
  let peak = rss(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rss(pid))), 10);
  try {
    const response = await fetch(zipUrl() + query, { headers: { Authorization: `Token token="${token}"` } });
    await pipeline(Readable.fromWeb(response.body as ReadableStream), createWriteStream(path));
    return { response, peak: Math.max(peak, rss(pid)) };
  } finally {
    clearInterval(sampler);
  }
}

const run = promisify(execFile);

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

test(`a ZIP of ${IMAGES} images streams in bounded memory and holds every original`, { timeout: 300_000 }, async () => {
  const dir = tempDir('zip-scale-out');
  // A first, small archive loads what serving one needs (archiver, the routes' code), so
  // that the measure below sees only what streaming a big one adds.
  const warm = await download(join(dir, 'warm.zip'), `?${images.slice(0, 3).map((i) => `image_ids[]=${i.id}`).join('&')}`);
  assert.equal(warm.response.status, 200);
  const baseline = rss(server.process.pid!);

  const { response, peak } = await download(join(dir, 'album.zip'));
  assert.equal(response.status, 200);
  const zip = readFileSync(join(dir, 'album.zip'));
  assert.equal(Number(response.headers.get('content-length')), zip.length);
  const growth = peak - baseline;
  console.log(`ZIP of ${IMAGES} images: ${(zip.length / 1e6).toFixed(1)} MB; server RSS ${(baseline / 1e6).toFixed(1)} MB → peak ${(peak / 1e6).toFixed(1)} MB`);
  assert.ok(growth < 50 * 1024 * 1024, `RSS grew by ${(growth / 1e6).toFixed(1)} MB`);

  // unzip runs asynchronously: a blocked event loop would keep fetch's pooled connection past
  // the server's keep-alive timeout, and the next test's request would land on a closed socket.
  const unzip = async (...args: string[]) => (await run('unzip', args, { maxBuffer: 1 << 26 })).stdout;
  assert.match(await unzip('-tq', join(dir, 'album.zip')), /No errors detected/);
  const out = join(dir, 'unzipped');
  await unzip('-q', join(dir, 'album.zip'), '-d', out);
  const names = (await unzip('-Z1', join(dir, 'album.zip'))).trim().split('\n');
  assert.equal(names.length, IMAGES);
  assert.equal(new Set(names.map((n) => n.toLowerCase())).size, IMAGES, 'names are unique');
  // Entries come oldest first: image i is entry i. Shared names are numbered in that order.
  let shared = 0;
  images.forEach((image, i) => {
    const expected = image.filename === 'IMG_shared.jpg' ? (shared++ === 0 ? 'IMG_shared.jpg' : `IMG_shared (${shared}).jpg`) : image.filename;
    assert.equal(names[i], expected);
    assert.ok(readFileSync(join(out, names[i]!)).equals(readFileSync(image.path)), `${names[i]} is the original byte for byte`);
  });
});

test('a download cut half way and resumed with Range gives the same archive', { timeout: 300_000 }, async () => {
  const headers = { Authorization: `Token token="${token}"` };
  const whole = Buffer.from(await (await fetch(zipUrl(), { headers })).arrayBuffer());

  // The cut: read about half, then drop the connection.
  const controller = new AbortController();
  const first = await fetch(zipUrl(), { headers, signal: controller.signal });
  const etag = first.headers.get('etag')!;
  const received: Buffer[] = [];
  let length = 0;
  const reader = first.body!.getReader();
  while (length < whole.length / 2) {
    const { value, done } = await reader.read();
    assert.equal(done, false, 'the archive did not end before half');
    received.push(Buffer.from(value!));
    length += value!.length;
  }
  controller.abort();
  await reader.cancel().catch(() => {});

  const rest = await fetch(zipUrl(), { headers: { ...headers, Range: `bytes=${length}-`, 'If-Range': etag } });
  assert.equal(rest.status, 206);
  assert.equal(rest.headers.get('content-range'), `bytes ${length}-${whole.length - 1}/${whole.length}`);
  const resumed = Buffer.concat([...received, Buffer.from(await rest.arrayBuffer())]);
  assert.equal(resumed.length, whole.length);
  assert.equal(sha256(resumed), sha256(whole));
});
