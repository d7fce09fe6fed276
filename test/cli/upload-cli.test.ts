/**
 * `album-api upload`, the real CLI against a real server process: a folder of 50 photos all
 * land in the album; a file the host refuses fails the run with a line saying why; a CSV of
 * `path,album` lines fills several albums; a file over `--chunk-size` goes in chunks (seen
 * by a proxy in front of the media host) and arrives whole, named in SharinPix's positional
 * form `upload <path> <album>`; on a terminal, a progress bar per file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import sharp from 'sharp';
import { type ChildService, freePort, startChild } from '../helpers/child-server.ts';
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
let proxy: Server;
/** The chunk headers of every upload the media host received, in order. */
const hostUploads: Array<{ id?: string; range?: string }> = [];

/**
 * A proxy in front of the server, which is the PUBLIC_URL the server hands out: every form
 * posts through it, and it notes each media host upload's chunk headers.
 */
async function startProxy(port: number, target: () => string): Promise<Server> {
  const proxy = createServer((req, res) => {
    if (req.method === 'POST' && req.url?.startsWith('/v1_1/')) {
      hostUploads.push({ id: req.headers['x-unique-upload-id'] as string | undefined, range: req.headers['content-range'] });
    }
    const upstream = request(`${target()}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (err) => res.destroy(err));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
  return proxy;
}

before(async () => {
  dataDir = tempDir('cli-upload');
  work = tempDir('cli-upload-files');
  const database = usingPostgres() ? await createPostgresDatabase() : null;
  dropDatabase = database?.drop;
  env = { DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url } : {}) };
  const proxyPort = await freePort();
  proxy = await startProxy(proxyPort, () => server.url);
  server = await startChild('serve', { ...env, PUBLIC_URL: `http://127.0.0.1:${proxyPort}` });
  // The first start's banner comes once bootstrapping is done, after /healthz answers.
  token = (await waitForOutput(server, /token \(4 h\): +(\S+)/))[1]!;
});
after(async () => {
  await server?.kill();
  proxy?.close();
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

/** A PNG of noise (it does not compress) of about `bytes` bytes. */
async function noisePng(path: string, bytes: number): Promise<Buffer> {
  const side = Math.ceil(Math.sqrt(bytes / 3));
  await sharp({ create: { width: side, height: side, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
    .png({ compressionLevel: 0 })
    .toFile(path);
  return readFileSync(path);
}

/** The original of an image, as the API's download serves it. */
async function original(imageId: string): Promise<Buffer> {
  const res = await fetch(`${server.url}/api/v1/images/${imageId}/download`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

test('SharinPix\'s form "upload <path> <album>", a file over --chunk-size: in chunks as upload_large sends them, whole in the album', { timeout: 240_000 }, async () => {
  const chunk = 64 * 1024;
  const path = join(work, 'big.png');
  const bytes = await noisePng(path, 300_000);
  hostUploads.length = 0;

  const run = await upload(path, 'cli-chunked', '--chunk-size', String(chunk), '--json');
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { uploaded: number; files: Array<{ album: string; image_id: string; bytes: number }> };
  assert.equal(report.uploaded, 1);
  assert.deepEqual([report.files[0]!.album, report.files[0]!.bytes], ['cli-chunked', bytes.length]);

  const id = hostUploads[0]?.id;
  assert.match(id ?? '', /^[0-9a-f]{32}$/, 'one X-Unique-Upload-Id for every chunk');
  const ranges: string[] = [];
  for (let first = 0; first < bytes.length; first += chunk) {
    const last = Math.min(first + chunk, bytes.length) - 1;
    ranges.push(`bytes ${first}-${last}/${last === bytes.length - 1 ? bytes.length : -1}`);
  }
  assert.ok(ranges.length >= 4);
  assert.deepEqual(hostUploads, ranges.map((range) => ({ id, range })), 'each chunk once, in order, the total with the last');
  assert.ok((await original(report.files[0]!.image_id)).equals(bytes), 'the original is the file, byte for byte');
  assert.equal((await albumImages('cli-chunked')).count, 1);

  // A file smaller than the chunk size goes whole, as before.
  hostUploads.length = 0;
  const small = join(work, 'small');
  await photos(small, 1);
  assert.equal((await upload(join(small, 'photo-01.jpg'), 'cli-chunked', '--chunk-size', String(chunk))).code, 0);
  assert.deepEqual(hostUploads, [{ id: undefined, range: undefined }]);

  const bad = await upload(path, 'cli-chunked', '--chunk-size', '10');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--chunk-size must be a number of bytes, at least 1024/);
  // When the last argument is a file too, it is not taken for an album.
  const allPaths = await upload(path, join(small, 'photo-01.jpg'));
  assert.equal(allPaths.code, 1);
  assert.match(allPaths.stderr, /name the album: --album ID, or last/);
});

test('SharinPix\'s form with metadatas, "upload <path> <album> <JSON>": the image keeps them', { timeout: 120_000 }, async () => {
  const folder = join(work, 'with-metadatas');
  await photos(folder, 1);
  const run = await upload(join(folder, 'photo-01.jpg'), 'cli-metadatas', '{"source":"cli","record":42}', '--json');
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { uploaded: number; files: Array<{ album: string; image_id: string }> };
  assert.deepEqual([report.uploaded, report.files[0]!.album], [1, 'cli-metadatas']);
  const image = await fetch(`${server.url}/api/v1/images/${report.files[0]!.image_id}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.deepEqual(((await image.json()) as { metadatas: unknown }).metadatas, { source: 'cli', record: 42 });
});

test('on a terminal: a progress bar per file, redrawn in place, then the same lines', { skip: !existsSync('/usr/bin/script') && 'script(1) is not installed', timeout: 120_000 }, async () => {
  const folder = join(work, 'terminal');
  await photos(folder, 2);
  await noisePng(join(folder, 'zz-big.png'), 200_000);
  // script(1) runs the CLI on a pseudo-terminal, as a person would.
  const command = `node bin/album-api.js upload '${folder}' --album cli-terminal --chunk-size 65536`;
  const run = await runCli({ shell: `script -qec "${command}" /dev/null` }, { ...env, PORT: new URL(server.url).port });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const terminal = run.stdout.replaceAll('\r', '').replaceAll('\u001b', 'ESC');
  assert.match(terminal, /ESC\[\d+AESC\[J/, 'bars are erased (up N lines, clear below) and redrawn');
  // What the terminal shows line by line, once the erasing is taken out.
  const screen = terminal.replaceAll(/ESC\[\d*[AJ]/g, '');
  assert.match(screen, /^ {2}[█░]{24} +\d+ % [\d.]+ MB of [\d.]+ MB {2}zz-big\.png$/m, 'a bar for the big file');
  assert.equal(screen.match(/^\[\d\/3\] in the album {2}.+ → cli-terminal \(image /gm)?.length, 3);
  assert.match(screen, /^3 of 3 files uploaded into 1 album \(/m);
  assert.equal((await albumImages('cli-terminal')).count, 3);
});
