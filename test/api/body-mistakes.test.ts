/**
 * Mistakes answered, not swallowed: an unknown key inside a nested body object (`album[...]`,
 * `image[...]`, `image[crop][...]`, `organization[...]`) is a 400 that names it and the keys
 * allowed there, and changes nothing; unknown top-level keys stay accepted, as SharinPix's
 * clients send some of their own.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newTenant, startTestServer, type Tenant, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let tenant: Tenant;
before(async () => {
  server = await startTestServer();
  tenant = await newTenant(server);
});
after(() => server.stop());

type ErrorBody = { error: { status: number; code: string; message: string } };

async function albumCount(): Promise<string | null> {
  const list = await call(server, 'GET', '/api/v1/albums', { token: tenant.token });
  return list.headers.get('x-total-count');
}

test('a typo inside album[...] is a 400 naming the allowed keys, and creates no album', async () => {
  const before = await albumCount();
  const form = await call<ErrorBody>(server, 'POST', '/api/v1/albums', { token: tenant.token, form: 'album[publicid]=crm-1' });
  assert.equal(form.status, 400);
  assert.equal(form.body.error.code, 'bad_request');
  assert.equal(form.body.error.message, 'Unknown key album[publicid]: album[...] takes public_id');

  const json = await call<ErrorBody>(server, 'POST', '/api/v1/albums', { token: tenant.token, json: { album: { public_id: 'crm-2', name: 'x' } } });
  assert.equal(json.status, 400);
  assert.equal(json.body.error.message, 'Unknown key album[name]: album[...] takes public_id');
  assert.equal(await albumCount(), before, 'nothing was created');

  const rename = await call<ErrorBody>(server, 'PUT', '/api/v1/albums/crm-3', { token: tenant.token, form: 'album[public_id]=crm-4&album[merge]=true' });
  assert.equal(rename.status, 400);
  assert.equal(rename.body.error.message, 'Unknown key album[merge]: album[...] takes public_id');
});

test('unknown top-level keys stay accepted beside the known ones', async () => {
  const created = await call<{ id: string }>(server, 'POST', '/api/v1/albums', {
    token: tenant.token,
    form: 'album[public_id]=extras-ok&album_id=extras-ok&utf8=%E2%9C%93',
  });
  assert.equal(created.status, 200, created.text);
  assert.equal(created.body.id, 'extras-ok');
});

test('image[...] and image[crop][...] name their keys; organization[...] too', async () => {
  const image = await call<ErrorBody>(server, 'PUT', '/api/v1/images/any-image', { token: tenant.token, form: 'image[titel]=Harbour' });
  assert.equal(image.status, 400);
  assert.equal(image.body.error.message, 'Unknown key image[titel]: image[...] takes title, description, metadatas, rotation, crop');

  const crop = await call<ErrorBody>(server, 'PUT', '/api/v1/images/any-image', {
    token: tenant.token,
    json: { image: { crop: { x: 0, y: 0, width: 10, height: 10, unit: 'px' } } },
  });
  assert.equal(crop.status, 400);
  assert.equal(crop.body.error.message, 'Unknown key image[crop][unit]: image[crop][...] takes x, y, width, height');

  const org = await call<ErrorBody>(server, 'PUT', '/api/v1/organization', {
    token: tenant.token,
    form: 'organization[webhook]=http://127.0.0.1:9/hook',
  });
  assert.equal(org.status, 400);
  assert.equal(org.body.error.message, 'Unknown key organization[webhook]: organization[...] takes webhook_url, webhook_events');
});

test('other validation failures keep their own message', async () => {
  const long = await call<ErrorBody>(server, 'POST', '/api/v1/albums', { token: tenant.token, form: `album[public_id]=${'x'.repeat(300)}` });
  assert.equal(long.status, 400);
  assert.match(long.body.error.message, /^Invalid request: body\/album\/public_id must NOT have more than 255 characters/);
});

test('a token asked for with a misspelt key is a 400 naming it, not a token missing what was meant', async () => {
  const mint = (permission: unknown) =>
    call<ErrorBody & { token?: string }>(server, 'POST', '/api/v1/token', { token: tenant.token, json: { permission } });

  const outer = await mint({ abilitis: { 'crm-1': { Access: { see: true } } } });
  assert.equal(outer.status, 400);
  assert.equal(outer.body.error.message, 'Unknown key permission[abilitis]: permission[...] takes abilities');
  assert.equal(outer.body.token, undefined);

  const grant = await mint({ abilities: { 'crm-1': { Acess: { see: true } } } });
  assert.equal(grant.status, 400);
  assert.equal(grant.body.error.message, 'Unknown key abilities[crm-1][Acess]: abilities[crm-1][...] takes Access, Tags, Sort');

  const ability = await mint({ abilities: { 'crm-1': { Access: { see: true, image_uplaod: true } } } });
  assert.equal(ability.status, 400);
  assert.match(ability.body.error.message, /^Unknown ability abilities\[crm-1\]\[Access\]\[image_uplaod\]: Access takes see, image_list, image_upload,/);

  // The same permission spelt right, with a declared tag set and a Sort, is minted.
  const good = await mint({
    abilities: { 'crm-1': { Access: { see: true, image_upload: true }, Tags: { car: { en: 'car' } }, Sort: { field: 'taken_at', order: 'asc' } } },
  });
  assert.equal(good.status, 200, good.text);
  assert.match(good.body.token ?? '', /^eyJ/);
});
