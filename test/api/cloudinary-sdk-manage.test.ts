/**
 * The Upload API's management calls and the Admin API, driven by the official SDK: destroy
 * (nothing left on disk), rename (overwrite, to_type), explicit, tags, context; ping,
 * resources (by type, prefix, tag, context, ids, with pages), resource details, deletions,
 * named transformations, upload presets, usage, and Basic auth refusals.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as fixtures from '../fixtures/images.ts';
import { imageFile, type SdkHarness, sdkError, startSdkHarness } from '../helpers/cloudinary-sdk.ts';
import { storedOriginals, tempDir } from '../helpers/server.ts';

let h: SdkHarness;
let dir: string;

before(async () => {
  h = await startSdkHarness();
  dir = tempDir('sdk-manage');
});
after(() => h.server.stop());

/** Files under the server's local media store folder (`originals`, `derived`). */
async function filesUnder(folder: string): Promise<number> {
  const entries = await readdir(join(h.server.dataDir, 'media', folder), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).length;
}

const upload = async (publicId: string, options: Record<string, unknown> = {}) =>
  h.cloudinary.uploader.upload(await imageFile(dir, publicId.replace(/\//g, '_'), 200, 100), { public_id: publicId, ...options });

test('destroy: the asset, its original and its derivatives are gone; GET is 404', async () => {
  const before = await storedOriginals(h.server);
  const derivedBefore = await filesUnder('derived');
  const result = await upload('doomed', { eager: [{ width: 20, crop: 'scale' }] });
  assert.equal(await storedOriginals(h.server), before + 1);
  const derived = await h.fetchImage(h.cloudinary.url('doomed', { width: 30, crop: 'scale' }));
  assert.equal(derived.status, 200);
  // The cache may write a derivative after answering.
  for (let i = 0; i < 100 && (await filesUnder('derived')) < derivedBefore + 2; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await filesUnder('derived'), derivedBefore + 2);
  assert.deepEqual(await h.cloudinary.uploader.destroy('doomed', { invalidate: true }), { result: 'ok' });
  assert.equal((await h.fetchImage(result.secure_url)).status, 404);
  assert.equal((await h.fetchImage(h.cloudinary.url('doomed', { width: 30, crop: 'scale' }))).status, 404);
  assert.equal((await h.fetchImage(result.eager[0].secure_url)).status, 404);
  assert.equal(await storedOriginals(h.server), before);
  assert.equal(await filesUnder('derived'), derivedBefore, 'no derivative is left on disk');
  assert.deepEqual(await h.cloudinary.uploader.destroy('doomed'), { result: 'not found' });
  const unsigned = await fetch(`${h.server.url}/v1_1/${h.server.config.cloudinary.cloudName}/image/destroy`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'public_id=doomed',
  });
  assert.equal(unsigned.status, 401);
});

test('rename: to a new id, onto an existing one only with overwrite, and to another type', async () => {
  await upload('old_name');
  await upload('taken');
  const renamed = await h.cloudinary.uploader.rename('old_name', 'new/name');
  assert.equal(renamed.public_id, 'new/name');
  assert.equal((await h.fetchImage(h.cloudinary.url('old_name', { format: 'jpg' }))).status, 404);
  assert.equal((await h.fetchImage(h.cloudinary.url('new/name', { format: 'jpg' }))).width, 200);
  const refused = await sdkError(h.cloudinary.uploader.rename('new/name', 'taken'));
  assert.equal(refused.http_code, 400);
  assert.match(refused.message, /already exists/);
  const onto = await h.cloudinary.uploader.rename('new/name', 'taken', { overwrite: true });
  assert.equal(onto.public_id, 'taken');
  const hidden = await h.cloudinary.uploader.rename('taken', 'taken', { to_type: 'authenticated' });
  assert.equal(hidden.type, 'authenticated');
  assert.equal((await h.fetchImage(h.cloudinary.url('taken', { format: 'jpg' }))).status, 404);
  assert.equal((await h.fetchImage(h.cloudinary.url('taken', { format: 'jpg', type: 'authenticated', sign_url: true }))).status, 200);
  assert.equal((await sdkError(h.cloudinary.uploader.rename('missing', 'x'))).http_code, 404);
});

test('explicit: eager derivatives, tags and context on a stored asset', async () => {
  await upload('explicit_me', { tags: ['a'] });
  const result = await h.cloudinary.uploader.explicit('explicit_me', {
    type: 'upload',
    eager: [{ width: 50, height: 50, crop: 'fill', format: 'webp' }],
    tags: ['b', 'c'],
    context: { caption: 'hello' },
  });
  assert.deepEqual(result.tags, ['b', 'c']);
  assert.deepEqual(result.context, { custom: { caption: 'hello' } });
  assert.deepEqual([result.eager[0].width, result.eager[0].height, result.eager[0].format], [50, 50, 'webp']);
  assert.equal((await h.fetchImage(result.eager[0].secure_url)).format, 'webp');
  const details = await h.cloudinary.api.resource('explicit_me');
  assert.equal(details.derived.length, 1);
  assert.equal((await sdkError(h.cloudinary.uploader.explicit('nobody', { type: 'upload' }))).http_code, 404);
});

test('tags: add, remove, replace, remove all; context: add, remove all', async () => {
  await upload('t1', { tags: ['x'] });
  await upload('t2');
  assert.deepEqual(await h.cloudinary.uploader.add_tag('shared', ['t1', 't2', 'ghost']), { public_ids: ['t1', 't2'] });
  assert.deepEqual((await h.cloudinary.api.resource('t1')).tags, ['x', 'shared']);
  await h.cloudinary.uploader.remove_tag('x', ['t1']);
  assert.deepEqual((await h.cloudinary.api.resource('t1')).tags, ['shared']);
  await h.cloudinary.uploader.replace_tag('only', ['t2']);
  assert.deepEqual((await h.cloudinary.api.resource('t2')).tags, ['only']);
  await h.cloudinary.uploader.remove_all_tags(['t1', 't2']);
  assert.deepEqual((await h.cloudinary.api.resource('t2')).tags, []);
  assert.deepEqual(await h.cloudinary.uploader.add_context('colour=red', ['t1']), { public_ids: ['t1'] });
  await h.cloudinary.uploader.add_context('size=L', ['t1']);
  assert.deepEqual((await h.cloudinary.api.resource('t1')).context, { custom: { colour: 'red', size: 'L' } });
  await h.cloudinary.uploader.remove_all_context(['t1']);
  assert.equal((await h.cloudinary.api.resource('t1')).context, undefined);
});

test('Admin API: ping, and Basic auth refusals', async () => {
  assert.deepEqual(await h.cloudinary.api.ping(), { status: 'ok' });
  const wrong = await sdkError(h.cloudinary.api.ping({ api_secret: 'wrong' }));
  assert.equal(wrong.http_code, 401);
  const unknown = await sdkError(h.cloudinary.api.ping({ api_key: '000', api_secret: 'x' }));
  assert.equal(unknown.http_code, 401);
  const bare = await fetch(`${h.server.url}/v1_1/${h.server.config.cloudinary.cloudName}/ping`);
  assert.equal(bare.status, 401);
  assert.ok((await bare.json()).error.message);
});

test('Admin API: resources by type, prefix, tag, context and ids, in pages', async () => {
  for (let i = 0; i < 5; i++) await upload(`listing/item${i}`, { tags: i % 2 ? ['odd'] : ['even'], context: { n: String(i) } });
  const first = await h.cloudinary.api.resources({ type: 'upload', prefix: 'listing/', max_results: 2 });
  assert.deepEqual(first.resources.map((r: { public_id: string }) => r.public_id), ['listing/item0', 'listing/item1']);
  assert.ok(first.next_cursor);
  const second = await h.cloudinary.api.resources({ type: 'upload', prefix: 'listing/', max_results: 2, next_cursor: first.next_cursor });
  assert.deepEqual(second.resources.map((r: { public_id: string }) => r.public_id), ['listing/item2', 'listing/item3']);
  const last = await h.cloudinary.api.resources({ type: 'upload', prefix: 'listing/', max_results: 2, next_cursor: second.next_cursor });
  assert.deepEqual(last.resources.map((r: { public_id: string }) => r.public_id), ['listing/item4']);
  assert.equal(last.next_cursor, undefined);
  const tagged = await h.cloudinary.api.resources_by_tag('odd', { tags: true });
  assert.deepEqual(tagged.resources.map((r: { public_id: string; tags: string[] }) => [r.public_id, r.tags]), [['listing/item1', ['odd']], ['listing/item3', ['odd']]]);
  const byContext = await h.cloudinary.api.resources_by_context('n', '4', { context: true });
  assert.deepEqual(byContext.resources.map((r: { public_id: string }) => r.public_id), ['listing/item4']);
  assert.deepEqual(byContext.resources[0].context, { custom: { n: '4' } });
  const byIds = await h.cloudinary.api.resources_by_ids(['listing/item0', 'listing/item3', 'nope']);
  assert.deepEqual(byIds.resources.map((r: { public_id: string }) => r.public_id).sort(), ['listing/item0', 'listing/item3']);
  const all = await h.cloudinary.api.resources({ max_results: 500 });
  assert.ok(all.resources.length >= 5);
  assert.equal((await sdkError(h.cloudinary.api.resources({ max_results: 501 }))).http_code, 400);
});

test('Admin API: resource details with derived, colors, faces and phash when asked', async () => {
  const face = fixtures.facePhoto();
  const file = face ?? (await imageFile(dir, 'noface', 120, 80));
  const uploaded = await h.cloudinary.uploader.upload(file, { public_id: 'detailed', faces: true, eager: [{ width: 40, crop: 'scale' }] });
  const plain = await h.cloudinary.api.resource('detailed');
  assert.equal(plain.colors, undefined);
  assert.equal(plain.derived.length, 1);
  assert.match(plain.derived[0].id, /:/);
  assert.deepEqual([plain.width, plain.height, plain.bytes], [uploaded.width, uploaded.height, uploaded.bytes]);
  const rich = await h.cloudinary.api.resource('detailed', { colors: true, faces: true, phash: true, image_metadata: true });
  assert.ok(Array.isArray(rich.colors) && rich.colors.length > 0);
  assert.match(rich.phash, /^[0-9a-f]{16}$/);
  assert.deepEqual(rich.faces, uploaded.faces);
  if (face) assert.ok(rich.faces.length >= 1, 'the face photo has a face');
  assert.equal((await sdkError(h.cloudinary.api.resource('nobody'))).http_code, 404);
});

test('Admin API: delete_resources by ids, prefix, tag and all; delete_derived_resources', async () => {
  for (const id of ['del/a', 'del/b', 'del/c', 'keep/d']) await upload(id, { tags: id === 'del/c' ? ['bye'] : [] });
  const byIds = await h.cloudinary.api.delete_resources(['del/a', 'nobody']);
  assert.deepEqual(byIds.deleted, { 'del/a': 'deleted', nobody: 'not_found' });
  const byTag = await h.cloudinary.api.delete_resources_by_tag('bye');
  assert.deepEqual(byTag.deleted, { 'del/c': 'deleted' });
  const byPrefix = await h.cloudinary.api.delete_resources_by_prefix('del/');
  assert.deepEqual(byPrefix.deleted, { 'del/b': 'deleted' });
  assert.equal((await h.fetchImage(h.cloudinary.url('del/b', { format: 'jpg' }))).status, 404);
  assert.equal((await h.fetchImage(h.cloudinary.url('keep/d', { format: 'jpg' }))).status, 200);

  await upload('with_derived', { eager: [{ width: 10, crop: 'scale' }, { width: 20, crop: 'scale' }] });
  const [first, second] = (await h.cloudinary.api.resource('with_derived')).derived;
  const gone = await h.cloudinary.api.delete_derived_resources([first.id]);
  assert.deepEqual(gone.deleted, { [first.id]: 'deleted' });
  assert.deepEqual((await h.cloudinary.api.resource('with_derived')).derived.map((d: { id: string }) => d.id), [second.id]);

  await h.cloudinary.api.delete_all_resources({ type: 'upload' });
  assert.deepEqual((await h.cloudinary.api.resources({ type: 'upload' })).resources, []);
});

test('Admin API: named transformations create, list, get, update, delete', async () => {
  await h.cloudinary.api.create_transformation('banner', 'c_fill,h_50,w_300');
  const refused = await sdkError(h.cloudinary.api.create_transformation('broken', 'c_fill,q_500'));
  assert.equal(refused.http_code, 400);
  assert.match(refused.message, /q/);
  const list = await h.cloudinary.api.transformations();
  assert.ok(list.transformations.some((t: { name: string; named: boolean }) => t.name === 't_banner' && t.named));
  const one = await h.cloudinary.api.transformation('banner');
  assert.deepEqual([one.name, one.info], ['t_banner', ['c_fill,h_50,w_300']]);
  await h.cloudinary.api.update_transformation('banner', { allowed_for_strict: true });
  assert.equal((await h.cloudinary.api.transformation('banner')).allowed_for_strict, true);
  await h.cloudinary.api.delete_transformation('banner');
  assert.equal((await sdkError(h.cloudinary.api.transformation('banner'))).http_code, 404);
});

test('Admin API: upload presets create, list, get, update, delete', async () => {
  const created = await h.cloudinary.api.create_upload_preset({ name: 'p_admin', unsigned: true, folder: 'x', tags: 'a,b' });
  assert.deepEqual(created, { message: 'created', name: 'p_admin' });
  const one = await h.cloudinary.api.upload_preset('p_admin');
  assert.equal(one.unsigned, true);
  assert.equal(one.settings.folder, 'x');
  await h.cloudinary.api.update_upload_preset('p_admin', { unsigned: false, folder: 'y' });
  const updated = await h.cloudinary.api.upload_preset('p_admin');
  assert.deepEqual([updated.unsigned, updated.settings.folder], [false, 'y']);
  const list = await h.cloudinary.api.upload_presets();
  assert.ok(list.presets.some((p: { name: string }) => p.name === 'p_admin'));
  await h.cloudinary.api.delete_upload_preset('p_admin');
  assert.equal((await sdkError(h.cloudinary.api.upload_preset('p_admin'))).http_code, 404);
});

test('Admin API: usage counts what is stored', async () => {
  const before = await h.cloudinary.api.usage();
  const result = await upload('counted');
  const after = await h.cloudinary.api.usage();
  assert.equal(after.resources, before.resources + 1);
  assert.equal(after.objects.usage, before.objects.usage + 1);
  assert.ok(after.storage.usage >= before.storage.usage + result.bytes);
});
