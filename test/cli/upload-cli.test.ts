/**
 * `album-api upload`, the real CLI against a real server process: a folder of 50 photos all
 * land in the album; a file the host refuses fails the run with a line saying why; a CSV of
 * `path,album` lines fills several albums.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { type ChildService, startChild } from '../helpers/child-server.ts';
import { runCli } from '../helpers/cli.ts';
import { createPostgresDatabase, usingPostgres } from '../helpers/database.ts';
import { tempDir } from '../helpers/server.ts';
import { textFile } from '../fixtures/images.ts';
import { waitForOutput } from '../scale/cluster.ts';

let dataDir: string;
let work: string;
let env: Record<string, string>;
let dropDatabase: (() => Promise<void>) | undefined;
let server: ChildService;
let token: string;

before(async () => {
  dataDir = tempDir('cli-upload');
  work = tempDir('cli-upload-files');
  const database = usingPostgres() ? await createPostgresDatabase() : null;
  dropDatabase = database?.drop;
  env = { DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url } : {}) };
  server = await startChild('serve', env);
  // The first start's banner comes once bootstrapping is done, after /healthz answers.
  token = (await waitForOutput(server, /token \(4 h\): +(\S+)/))[1]!;
});
after(async () => {
  await server?.kill();
  await dropDatabase?.();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

/** The CLI with the server's DATA_DIR and database, and its address through PORT. */
const upload = (...args: string[]) => runCli(['upload', ...args], { ...env, PORT: new URL(server.url).port });

async function albumImages(album: string): Promise<{ count: number; filenames: string[] }> {
  const headers = { Authorization: `Bearer ${token}` };
  const albumJson = (await (await fetch(`${server.url}/api/v1/albums/${album}`, { headers })).json()) as { images_count: number };
  const images = (await (await fetch(`${server.url}/api/v1/albums/${album}/images?per_page=500`, { headers })).json()) as Array<{
    filename: string;
  }>;
  return { count: albumJson.images_count, filenames: images.map((i) => i.filename).sort() };
}

/** `n` small distinct JPEGs named photo-01.jpg... in `dir`. */
async function photos(dir: string, n: number, from = 1): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  for (let i = from; i < from + n; i++) {
    const name = `photo-${String(i).padStart(2, '0')}.jpg`;
    const background = { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 };
    await sharp({ create: { width: 64 + i, height: 48, channels: 3, background } }).jpeg().toFile(join(dir, name));
    names.push(name);
  }
  return names;
}

test('a folder of 50 photos: every one in the album, a line each, exit code 0', { timeout: 180_000 }, async () => {
  const folder = join(work, 'fifty');
  const names = await photos(folder, 50);
  writeFileSync(join(folder, '.DS_Store'), 'a hidden file inside a folder is not a photo to upload');

  const run = await upload(folder, '--album', 'cli-fifty');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  const lines = run.stdout.trimEnd().split('\n');
  assert.equal(lines.filter((l) => /^\[ ?\d+\/50\] in the album {2}.+photo-\d\d\.jpg → cli-fifty \(image \S+, [\d.]+ kB\)$/.test(l)).length, 50);
  assert.match(lines.at(-1)!, /^50 of 50 files uploaded into 1 album \(/);

  const album = await albumImages('cli-fifty');
  assert.equal(album.count, 50);
  assert.deepEqual(album.filenames, names);
});

test('a file the host refuses: a line that says why, the others uploaded, exit code 1', { timeout: 120_000 }, async () => {
  const folder = join(work, 'mixed');
  await photos(folder, 2);
  const text = await textFile(folder);

  const run = await upload(folder, '--album', 'cli-mixed');
  assert.equal(run.code, 1);
  assert.match(run.stderr, new RegExp(`^\\[\\d/3\\] failed +${text.replaceAll('.', '\\.')} → cli-mixed: media host: HTTP 400 .+$`, 'm'));
  assert.match(run.stdout, /^2 of 3 files uploaded into 1 album \(.*\); 1 failed$/m);
  assert.equal((await albumImages('cli-mixed')).count, 2);

  const missing = await upload(join(work, 'no-such-folder'), '--album', 'cli-mixed', '--json');
  assert.equal(missing.code, 1);
  const report = JSON.parse(missing.stdout) as { uploaded: number; failed: number; files: Array<{ ok: boolean; error?: string }> };
  assert.equal(report.uploaded, 0);
  assert.equal(report.failed, 1);
  assert.equal(report.files[0]!.error, 'no such file or folder');
});

test('--csv of path,album lines fills each album; --json reports every file', { timeout: 120_000 }, async () => {
  const folder = join(work, 'csv');
  await photos(join(folder, 'a'), 2);
  await photos(join(folder, 'b'), 1, 3);
  const csv = join(folder, 'import.csv');
  writeFileSync(csv, 'path,album\na/photo-01.jpg,cli-csv-a\n"a/photo-02.jpg",cli-csv-a\n\nb,cli-csv-b\n');

  const run = await upload('--csv', csv, '--json');
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { uploaded: number; failed: number; files: Array<{ album: string; ok: boolean; image_id: string }> };
  assert.equal(report.uploaded, 3);
  assert.equal(report.failed, 0);
  assert.deepEqual(report.files.map((f) => f.album), ['cli-csv-a', 'cli-csv-a', 'cli-csv-b']);
  assert.deepEqual(await albumImages('cli-csv-a'), { count: 2, filenames: ['photo-01.jpg', 'photo-02.jpg'] });
  assert.deepEqual(await albumImages('cli-csv-b'), { count: 1, filenames: ['photo-03.jpg'] });
});
