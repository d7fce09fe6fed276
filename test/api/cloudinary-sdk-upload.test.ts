/**
 * The upload options a Cloudinary app passes, through the official SDK, with Cloudinary's
 * semantics and response fields: overwrite, use_filename / unique_filename /
 * filename_override, folder and public_id_prefix, context, metadata, tags, eager, an incoming
 * transformation, signed and unsigned presets, raw files (and `auto`), delete tokens, and
 * overwrites (with or without `invalidate`) that no cached derivative outlives.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { assetDerivativesPrefix } from '../../src/media/delivery/derived-cache.ts';
import * as fixtures from '../fixtures/images.ts';
import { imageFile, readBytes, type SdkHarness, sdkError, startSdkHarness } from '../helpers/cloudinary-sdk.ts';
import { tempDir } from '../helpers/server.ts';

let h: SdkHarness;
let dir: string;

before(async () => {
  h = await startSdkHarness();
  dir = tempDir('sdk-upload');
});
after(() => h.server.stop());

test('overwrite: false keeps the first file and says existing: true; the default replaces it', async () => {
  const first = await imageFile(dir, 'first', 300, 200);
  const second = await imageFile(dir, 'second', 120, 90);
  const stored = await h.cloudinary.uploader.upload(first, { public_id: 'keep_me' });
  assert.equal(stored.existing, undefined);
  const kept = await h.cloudinary.uploader.upload(second, { public_id: 'keep_me', overwrite: false });
  assert.equal(kept.existing, true);
  assert.equal(kept.version, stored.version);
  assert.deepEqual([kept.width, kept.height], [300, 200]);
  const served = await h.fetchImage(h.cloudinary.url('keep_me', { format: 'jpg' }));
  assert.ok(served.body.equals(await readBytes(first)), 'the stored bytes are the first file');

  const replaced = await h.cloudinary.uploader.upload(second, { public_id: 'keep_me', overwrite: true });
  assert.ok(replaced.version > stored.version);
  assert.equal(replaced.existing, undefined);
  const now = await h.fetchImage(h.cloudinary.url('keep_me', { format: 'jpg' }));
  assert.ok(now.body.equals(await readBytes(second)), 'overwrite replaced the bytes');
});

test('public ids: use_filename with and without unique_filename, filename_override, folder, public_id_prefix', async () => {
  const file = await imageFile(dir, 'beach day', 64, 64);
  const unique = await h.cloudinary.uploader.upload(file, { use_filename: true });
  assert.match(unique.public_id, /^beach_day_[a-z0-9]{6}$/);
  assert.equal(unique.original_filename, 'beach day');
  const exact = await h.cloudinary.uploader.upload(file, { use_filename: true, unique_filename: false, folder: 'albums/summer' });
  assert.equal(exact.public_id, 'albums/summer/beach_day');
  assert.equal(exact.asset_folder, 'albums/summer');
  const overridden = await h.cloudinary.uploader.upload(file, { use_filename: true, unique_filename: false, filename_override: 'cover.jpg' });
  assert.equal(overridden.public_id, 'cover');
  assert.equal(overridden.original_filename, 'cover');
  const prefixed = await h.cloudinary.uploader.upload(file, { public_id: 'p1', public_id_prefix: 'tenant-7', folder: 'f' });
  assert.equal(prefixed.public_id, 'f/tenant-7/p1');
  const random = await h.cloudinary.uploader.upload(file);
  assert.match(random.public_id, /^[a-z0-9]{20}$/);
  assert.deepEqual((await h.fetchImage(prefixed.secure_url)).status, 200);
});

test('context, metadata and tags are kept and returned, here and by the Admin API', async () => {
  const file = await imageFile(dir, 'ctx', 32, 32);
  const result = await h.cloudinary.uploader.upload(file, {
    context: { alt: 'A | tricky = caption', room: 'kitchen' },
    metadata: { sku: 'A-1' },
    tags: ['one', 'two'],
  });
  assert.deepEqual(result.context, { custom: { alt: 'A | tricky = caption', room: 'kitchen' } });
  assert.deepEqual(result.metadata, { sku: 'A-1' });
  assert.deepEqual(result.tags, ['one', 'two']);
  const details = await h.cloudinary.api.resource(result.public_id);
  assert.deepEqual(details.context, result.context);
  assert.deepEqual(details.metadata, result.metadata);
  assert.deepEqual(details.tags, result.tags);
});

test('eager derivatives are made at upload, listed with their sizes, and served', async () => {
  const result = await h.cloudinary.uploader.upload(await imageFile(dir, 'eager', 800, 600), {
    eager: [{ width: 100, height: 100, crop: 'fill' }, { width: 200, crop: 'scale', format: 'png' }],
  });
  assert.equal(result.eager.length, 2);
  assert.deepEqual([result.eager[0].transformation, result.eager[0].width, result.eager[0].height], ['c_fill,h_100,w_100', 100, 100]);
  assert.deepEqual([result.eager[1].transformation, result.eager[1].format, result.eager[1].width, result.eager[1].height], ['c_scale,w_200', 'png', 200, 150]);
  for (const eager of result.eager) {
    const image = await h.fetchImage(eager.secure_url);
    assert.equal(image.status, 200);
    assert.deepEqual([image.width, image.height], [eager.width, eager.height]);
    assert.equal(image.body.length, eager.bytes);
  }
  const png = await h.fetchImage(h.cloudinary.url(result.public_id, { width: 200, crop: 'scale', format: 'png' }));
  assert.equal(png.format, 'png');
  const bad = await sdkError(h.cloudinary.uploader.upload(await imageFile(dir, 'eager2', 10, 10), { eager: [{ effect: 'cartoonify' }] }));
  assert.equal(bad.http_code, 400);
  assert.match(bad.message, /e_cartoonify/);
});

test('an incoming transformation is applied to what is stored', async () => {
  const result = await h.cloudinary.uploader.upload(await imageFile(dir, 'incoming', 640, 480), {
    transformation: [{ width: 320, crop: 'scale' }, { angle: 90 }],
  });
  assert.deepEqual([result.width, result.height, result.format], [240, 320, 'jpg']);
  const original = await h.fetchImage(h.cloudinary.url(result.public_id, { format: 'jpg' }));
  assert.deepEqual([original.width, original.height], [240, 320]);
});

test('upload presets: a signed one gives defaults, an unsigned one needs no signature but allows only a few params', async () => {
  await h.cloudinary.api.create_upload_preset({ name: 'signed_defaults', folder: 'preset-folder', tags: 'from_preset' });
  const signed = await h.cloudinary.uploader.upload(await imageFile(dir, 'ps', 20, 20), { upload_preset: 'signed_defaults', public_id: 'x1' });
  assert.equal(signed.public_id, 'preset-folder/x1');
  assert.deepEqual(signed.tags, ['from_preset']);

  await h.cloudinary.api.create_upload_preset({ name: 'open', unsigned: true, folder: 'public-drops', eager: [{ width: 10, crop: 'scale' }] });
  const unsigned = await h.cloudinary.uploader.unsigned_upload(await imageFile(dir, 'pu', 40, 20), 'open', { tags: ['guest'] });
  assert.match(unsigned.public_id, /^public-drops\//);
  assert.deepEqual(unsigned.tags, ['guest']);
  assert.deepEqual([unsigned.eager[0].width, unsigned.eager[0].height], [10, 5]);
  const refused = await sdkError(h.cloudinary.uploader.unsigned_upload(await imageFile(dir, 'pu2', 10, 10), 'open', { overwrite: true }));
  assert.equal(refused.http_code, 400);
  assert.match(refused.message, /overwrite parameter is not allowed/);
  const notUnsigned = await sdkError(h.cloudinary.uploader.unsigned_upload(await imageFile(dir, 'pu3', 10, 10), 'signed_defaults'));
  assert.equal(notUnsigned.http_code, 401);
  const missing = await sdkError(h.cloudinary.uploader.upload(await imageFile(dir, 'pu4', 10, 10), { upload_preset: 'nope' }));
  assert.equal(missing.http_code, 400);
});

test('raw files are kept and served as uploaded; auto picks raw for a file that is no image', async () => {
  const text = await fixtures.textFile(dir);
  const bytes = await readBytes(text);
  const raw = await h.cloudinary.uploader.upload(text, { resource_type: 'raw' });
  assert.equal(raw.resource_type, 'raw');
  assert.equal(raw.width, undefined);
  assert.match(raw.public_id, /\.jpg$/, 'a raw public id keeps the extension');
  const served = await fetch(h.local(h.cloudinary.url(raw.public_id, { resource_type: 'raw' })));
  assert.equal(served.status, 200);
  assert.ok(Buffer.from(await served.arrayBuffer()).equals(bytes));

  const csv = `${dir}/table.csv`;
  await writeFile(csv, 'a,b\n1,2\n');
  const auto = await h.cloudinary.uploader.upload(csv, { resource_type: 'auto', use_filename: true, unique_filename: false });
  assert.deepEqual([auto.resource_type, auto.public_id], ['raw', 'table.csv']);
  assert.equal(await (await fetch(h.local(auto.secure_url))).text(), 'a,b\n1,2\n');
  const image = await h.cloudinary.uploader.upload(await imageFile(dir, 'auto-image', 30, 20), { resource_type: 'auto' });
  assert.deepEqual([image.resource_type, image.width], ['image', 30]);
  const notImage = await sdkError(h.cloudinary.uploader.upload(csv, { resource_type: 'image' }));
  assert.equal(notImage.http_code, 400);
  const transformed = await h.fetchImage(h.cloudinary.url(raw.public_id, { resource_type: 'raw', width: 10 }));
  assert.equal(transformed.status, 400);
});

test('return_delete_token: delete_by_token removes the upload, once, without a signature', async () => {
  const result = await h.cloudinary.uploader.upload(await imageFile(dir, 'token', 20, 20), { return_delete_token: true, invalidate: true });
  assert.equal(typeof result.delete_token, 'string');
  const { cloudName } = h.server.config.cloudinary;
  const byToken = (token: string) =>
    fetch(`${h.server.url}/v1_1/${cloudName}/delete_by_token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
  const forged = await byToken(`${result.delete_token}x`);
  assert.equal(forged.status, 400);
  assert.equal((await h.fetchImage(result.secure_url)).status, 200);
  const deleted = await byToken(result.delete_token);
  assert.deepEqual([deleted.status, await deleted.json()], [200, { result: 'ok' }]);
  assert.equal((await h.fetchImage(result.secure_url)).status, 404);
  assert.equal((await byToken(result.delete_token)).status, 404);
});

/** The asset's derivatives on disk (the derived cache under DATA_DIR/media/derived), by file name. */
async function derivativesOnDisk(publicId: string): Promise<string[]> {
  const prefix = assetDerivativesPrefix({ cloud: h.server.config.cloudinary.cloudName, type: 'upload', publicId });
  const folder = join(h.server.dataDir, 'media', 'derived', prefix.slice(0, 2));
  return (await readdir(folder).catch(() => [] as string[])).filter((name) => name.startsWith(prefix)).sort();
}

/** Waits until the derivative just served has been written to disk (the answer does not wait for it). */
async function writtenToDisk(publicId: string, count: number): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const names = await derivativesOnDisk(publicId);
    if (names.length >= count) return names;
    await sleep(25);
  }
  return derivativesOnDisk(publicId);
}

test('after an overwrite, with or without invalidate, a derivative URL fetched before renders the new file', async () => {
  const colour = async (name: string, background: { r: number; g: number; b: number }) => {
    const path = `${dir}/${name}.png`;
    await sharp({ create: { width: 200, height: 100, channels: 3, background } }).png().toFile(path);
    return path;
  };
  const centre = async (url: string) => {
    const image = await h.fetchImage(url);
    assert.deepEqual([image.status, image.width, image.height], [200, 50, 25]);
    const { data } = await sharp(image.body).raw().toBuffer({ resolveWithObject: true });
    return [...data.subarray((12 * 50 + 25) * 3, (12 * 50 + 25) * 3 + 3)];
  };
  const first = await h.cloudinary.uploader.upload(await colour('red', { r: 255, g: 0, b: 0 }), { public_id: 'refreshed' });
  // The SDK's default URL names no version; a URL kept from the first upload names the old one.
  const derivative = h.cloudinary.url('refreshed', { width: 50, crop: 'scale' });
  const pinned = h.cloudinary.url('refreshed', { width: 50, crop: 'scale', version: first.version });
  assert.deepEqual(await centre(derivative), [255, 0, 0]);
  assert.deepEqual(await centre(derivative), [255, 0, 0], 'served again from the memory cache');
  const red = await writtenToDisk('refreshed', 1);
  assert.equal(red.length, 1, 'and kept on disk');

  for (const [name, background, options] of [
    ['blue', { r: 0, g: 0, b: 255 }, { invalidate: true }],
    ['green', { r: 0, g: 255, b: 0 }, {}],
  ] as const) {
    const before = await derivativesOnDisk('refreshed');
    await h.cloudinary.uploader.upload(await colour(name, background), { public_id: 'refreshed', ...options });
    assert.deepEqual(await derivativesOnDisk('refreshed'), [], `${name}: the replaced file's derivatives left the disk`);
    const expected = [background.r, background.g, background.b];
    assert.deepEqual(await centre(derivative), expected, `${name}: the same URL renders the new file`);
    assert.deepEqual(await centre(derivative), expected, `${name}: and so does its next (memory) hit`);
    assert.deepEqual(await centre(pinned), expected, `${name}: an older version in the URL only busts caches`);
    const after = await writtenToDisk('refreshed', 1);
    assert.ok(after.every((file) => !before.includes(file)), `${name}: on disk, only derivatives of the new file`);
  }
});
