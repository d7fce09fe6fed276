/**
 * Chunked uploads, the protocol of the SDK's `upload_large`: a 25 MB image in 6 MB chunks
 * and in the default 20 MB ones; chunks sent by hand out of order, twice, with one missing
 * then resumed; the file checked and analysed only once whole; an abandoned upload swept, by
 * the next chunked upload or at the next start.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { type SdkHarness, startSdkHarness } from '../helpers/cloudinary-sdk.ts';
import { startTestServer, tempDir } from '../helpers/server.ts';

let h: SdkHarness;
let big: string;
let bigBytes: Buffer;
let chunksDir: string;

/** Noise does not compress: an uncompressed PNG of 3000 × 3000 RGB is about 27 MB. */
const SIDE = 3000;

before(async () => {
  h = await startSdkHarness();
  chunksDir = join(h.server.dataDir, 'tmp', 'chunks');
  big = join(tempDir('sdk-chunked'), 'big.png');
  await sharp({ create: { width: SIDE, height: SIDE, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
    .png({ compressionLevel: 0 })
    .toFile(big);
  bigBytes = await readFile(big);
});
after(() => h.server.stop());

const uploadLarge = (options: Record<string, unknown>) =>
  new Promise<Record<string, unknown>>((resolve, reject) => {
    h.cloudinary.uploader.upload_large(big, { resource_type: 'image', ...options }, (error: unknown, result: unknown) =>
      error ? reject(error) : resolve(result as Record<string, unknown>),
    );
  });

async function leftoverChunks(): Promise<string[]> {
  return readdir(chunksDir).catch(() => []);
}

test('upload_large of a 25 MB image, in 6 MB chunks and in the default 20 MB chunks', { timeout: 120_000 }, async () => {
  assert.ok(bigBytes.length > 25_000_000, `${bigBytes.length} bytes`);
  for (const [publicId, chunkSize] of [['large_6mb', 6_000_000], ['large_default', undefined]] as const) {
    const result = await uploadLarge({ public_id: publicId, ...(chunkSize ? { chunk_size: chunkSize } : {}) });
    assert.deepEqual([result.public_id, result.width, result.height, result.format, result.bytes], [publicId, SIDE, SIDE, 'png', bigBytes.length]);
    const served = await fetch(h.local(h.cloudinary.url(publicId, { format: 'png' })));
    assert.ok(Buffer.from(await served.arrayBuffer()).equals(bigBytes), 'the joined file is the original, byte for byte');
    const thumb = await h.fetchImage(h.cloudinary.url(publicId, { width: 100, crop: 'scale' }));
    assert.deepEqual([thumb.width, thumb.height], [100, 100]);
  }
  assert.deepEqual(await leftoverChunks(), []);
});

/** Posts one chunk as the SDK does: a signed multipart upload with the two headers. */
async function sendChunk(uploadId: string, data: Buffer, first: number, total: number | null, publicId: string) {
  const params = h.cloudinary.utils.sign_request({ timestamp: Math.floor(Date.now() / 1000), public_id: publicId }, {});
  const form = new FormData();
  for (const [key, value] of Object.entries(params)) form.append(key, String(value));
  form.append('file', new Blob([new Uint8Array(data)]), 'chunked.png');
  const response = await fetch(`${h.server.url}/v1_1/${h.server.config.cloudinary.cloudName}/image/upload`, {
    method: 'POST',
    headers: { 'X-Unique-Upload-Id': uploadId, 'Content-Range': `bytes ${first}-${first + data.length - 1}/${total ?? -1}` },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('chunks out of order, one sent twice, one missing then resumed: one whole file, analysed once complete', { timeout: 60_000 }, async () => {
  const size = 5_000_000;
  const parts = [0, 1, 2, 3, 4, 5].map((i) => ({ first: i * size, data: bigBytes.subarray(i * size, Math.min((i + 1) * size, bigBytes.length)) }));
  const total = bigBytes.length;
  const send = (i: number, withTotal = false) => sendChunk('manual-1', parts[i]!.data, parts[i]!.first, withTotal ? total : null, 'manual');
  // The last chunk first (it tells the total), then others out of order, one twice, one held back.
  for (const [i, last] of [[5, true], [2, false], [0, false], [2, false], [4, false], [1, false]] as const) {
    const answer = await send(i, last);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.done, false, `chunk ${i} alone does not finish the file`);
  }
  const resumed = await send(3);
  assert.equal(resumed.status, 200);
  assert.deepEqual([resumed.body.public_id, resumed.body.width, resumed.body.bytes], ['manual', SIDE, total]);
  const served = await fetch(h.local(h.cloudinary.url('manual', { format: 'png' })));
  assert.ok(Buffer.from(await served.arrayBuffer()).equals(bigBytes));
  assert.deepEqual(await leftoverChunks(), []);
});

test('a chunked file that is no image is refused once whole, and leaves nothing', async () => {
  const text = Buffer.from('not an image, in two chunks');
  assert.equal((await sendChunk('text-1', text.subarray(0, 10), 0, null, 'text')).status, 200);
  const whole = await sendChunk('text-1', text.subarray(10), 10, text.length, 'text');
  assert.equal(whole.status, 400);
  assert.match(String((whole.body.error as { message: string }).message), /image/i);
  assert.deepEqual(await leftoverChunks(), []);
  const mismatch = await sendChunk('text-2', text, 0, 5, 'text');
  assert.equal(mismatch.status, 400);
});

test('an upload abandoned half way leaves nothing once swept', async () => {
  const half = bigBytes.subarray(0, 1_000_000);
  assert.equal((await sendChunk('abandoned', half, 0, null, 'abandoned')).body.done, false);
  const [abandoned] = await leftoverChunks();
  assert.ok(abandoned, 'its chunk is kept, waiting for the rest');
  // A day and a bit without a new chunk: the next chunked upload to start sweeps it.
  const dayAgo = new Date(Date.now() - 25 * 3600 * 1000);
  await utimes(join(chunksDir, abandoned), dayAgo, dayAgo);
  const small = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#123456' } }).png().toBuffer();
  const next = await sendChunk('fresh', small, 0, small.length, 'fresh');
  assert.equal(next.body.width, 10);
  assert.deepEqual(await leftoverChunks(), []);
  assert.equal(await stat(join(chunksDir, abandoned)).catch(() => null), null);
});

test('chunks abandoned for a day are swept when the host starts; an upload in progress keeps its chunks', { timeout: 120_000 }, async () => {
  const dataDir = tempDir('sdk-chunked-start');
  const chunks = join(dataDir, 'tmp', 'chunks');
  const dayAgo = new Date(Date.now() - 25 * 3600 * 1000);
  for (const name of ['abandoned', 'in-progress']) {
    await mkdir(join(chunks, name), { recursive: true });
    await writeFile(join(chunks, name, '0-9.part'), '0123456789');
  }
  await utimes(join(chunks, 'abandoned'), dayAgo, dayAgo);
  const restarted = await startTestServer({ DATA_DIR: dataDir });
  try {
    assert.deepEqual(await readdir(chunks), ['in-progress'], 'no chunked upload has started, yet the abandoned one is gone');
  } finally {
    await restarted.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
