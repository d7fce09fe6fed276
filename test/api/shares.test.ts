/**
 * Share links over HTTP: created for chosen images, listed, shown on a public page without
 * a token, counted, downloaded when allowed, behind a password; revoked or expired, the page
 * and every URL it handed out are 404 at once. Abilities: without `Share`, 403 and no link.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fixtures from '../fixtures/images.ts';
import { call, newTenant, startTestServer, tempDir, type Tenant, type TestServer, tokenWith } from '../helpers/server.ts';
import { createAlbum, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';

let server: TestServer;
let tenant: Tenant;
let imageIds: string[];
const ALBUM = 'shared-album';

interface ShareJson {
  id: string;
  url: string;
  album_id: string;
  image_ids: string[] | null;
  expires_at: string | null;
  expired: boolean;
  allow_download: boolean;
  password_protected: boolean;
  views_count: number;
}

before(async () => {
  server = await startTestServer();
  tenant = await newTenant(server);
  const album = await createAlbum(server, tenant.token, ALBUM);
  const dir = tempDir('shares');
  for (const file of [await fixtures.jpegWithGps(dir), await fixtures.rotatedJpeg(dir), await fixtures.webp(dir)]) {
    assert.equal((await uploadToAlbum(album, file)).status, 200);
  }
  imageIds = (await waitForImages(server, tenant.token, ALBUM, 3)).map((i) => i.id as string);
});
after(() => server?.stop());

async function share(body: unknown, token = tenant.token) {
  return call<ShareJson>(server, 'POST', `/api/v1/albums/${ALBUM}/shares`, { token, json: body });
}

/** The page's HTML (no token, no cookie unless given). */
async function page(url: string, cookie?: string) {
  const response = await fetch(url, { headers: cookie ? { Cookie: cookie } : {}, redirect: 'manual' });
  return { status: response.status, headers: response.headers, html: await response.text() };
}

/** The image ids a page shows, and the URLs it hands out. */
function shown(html: string): { ids: string[]; urls: string[] } {
  const ids = [...html.matchAll(/data-image-id="([^"]+)"/g)].map((m) => m[1]!);
  const urls = [...html.matchAll(/(?:src|href|data-full)="(\/shares\/[^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
  return { ids, urls: [...new Set(urls)] };
}

async function status(path: string): Promise<number> {
  const response = await fetch(server.url + path);
  await response.arrayBuffer();
  return response.status;
}

test('a link to chosen images: its page shows exactly them, without a token, and counts views', async () => {
  const chosen = [imageIds[0]!, imageIds[2]!];
  const created = await share({ image_ids: chosen });
  assert.equal(created.status, 200, created.text);
  assert.equal(created.body.url, `${server.url}/shares/${created.body.id}`);
  assert.deepEqual(created.body.image_ids, [...chosen].sort());
  assert.equal(created.body.password_protected, false);
  const first = await page(created.body.url);
  assert.equal(first.status, 200);
  const { ids, urls } = shown(first.html);
  assert.deepEqual(ids.sort(), [...chosen].sort());
  assert.ok(!first.html.includes(tenant.token), 'no token in the page');
  assert.ok(!first.html.includes('/image/authenticated/'), 'no delivery URL of the media host in the page');
  for (const url of urls) {
    const response = await fetch(server.url + url);
    assert.equal(response.status, 200, url);
    assert.match(response.headers.get('content-type')!, /^image\//);
    await response.arrayBuffer();
  }
  // A URL signed for one image does not open another.
  const signed = urls.find((u) => u.includes(`/images/${chosen[0]}/large?`))!;
  assert.equal(await status(signed.replace(chosen[0]!, imageIds[1]!)), 404);
  assert.equal(await status(`/shares/${created.body.id}/images/${imageIds[1]}/large?exp=9999999999&sig=x`), 404, 'an image not shared');
  await page(created.body.url);
  const listed = await call<ShareJson[]>(server, 'GET', `/api/v1/albums/${ALBUM}/shares`, { token: tenant.token });
  assert.equal(listed.status, 200);
  assert.equal(listed.body.find((s) => s.id === created.body.id)!.views_count, 2);
});

test('revoked: the page and every URL it handed out are 404 at once', async () => {
  const created = await share({ allow_download: true });
  const { urls } = shown((await page(created.body.url)).html);
  assert.ok(urls.some((u) => u.includes('/download.zip?')), 'a ZIP link');
  assert.ok(urls.some((u) => u.includes('/download?')), 'download links');
  for (const url of urls) assert.equal(await status(url), 200, url);
  const revoked = await call(server, 'DELETE', `/api/v1/shares/${created.body.id}`, { token: tenant.token });
  assert.equal(revoked.status, 204);
  assert.equal((await page(created.body.url)).status, 404);
  for (const url of urls) assert.equal(await status(url), 404, url);
  const listed = await call<ShareJson[]>(server, 'GET', `/api/v1/albums/${ALBUM}/shares`, { token: tenant.token });
  assert.ok(!listed.body.some((s) => s.id === created.body.id));
  assert.equal((await call(server, 'DELETE', `/api/v1/shares/${created.body.id}`, { token: tenant.token })).status, 404);
});

test('expired: the page and its URLs are 404 at once; a past expires_at is refused', async () => {
  const created = await share({ expires_at: new Date(Date.now() + 3_600_000).toISOString() });
  assert.equal(created.body.expired, false);
  const { urls } = shown((await page(created.body.url)).html);
  for (const url of urls) assert.equal(await status(url), 200, url);
  // The clock is not waited for: the link's expiry is moved to the past, as time would.
  await server.db.kysely.updateTable('shares').set({ expires_at: '2000-01-01T00:00:00.000Z' }).where('id', '=', created.body.id).execute();
  assert.equal((await page(created.body.url)).status, 404);
  for (const url of urls) assert.equal(await status(url), 404, url);
  const listed = await call<ShareJson[]>(server, 'GET', `/api/v1/albums/${ALBUM}/shares`, { token: tenant.token });
  assert.equal(listed.body.find((s) => s.id === created.body.id)!.expired, true);
  assert.equal((await share({ expires_at: '2001-01-01T00:00:00Z' })).status, 422);
  assert.equal((await share({ expires_at: 'tomorrow' })).status, 400);
});

test('downloads only when allowed: the original, and a ZIP of what the link shows', async () => {
  const created = await share({ image_ids: [imageIds[1]!], allow_download: 'true' });
  const { urls } = shown((await page(created.body.url)).html);
  const original = await fetch(server.url + urls.find((u) => u.includes('/download?'))!);
  assert.equal(original.status, 200);
  assert.match(original.headers.get('content-disposition')!, /^attachment; filename="rotated.jpg"/);
  const zip = await fetch(server.url + urls.find((u) => u.includes('/download.zip?'))!);
  assert.equal(zip.status, 200);
  assert.equal(Number(zip.headers.get('content-length')), (await zip.arrayBuffer()).byteLength);
  const viewOnly = await share({ image_ids: [imageIds[1]!] });
  const html = (await page(viewOnly.body.url)).html;
  assert.ok(!html.includes('download'), 'no download links');
});

test('a password: a form first; the wrong one is refused; the right one opens the page', async () => {
  const created = await share({ password: 'sésame' });
  assert.equal(created.body.password_protected, true);
  const locked = await page(created.body.url);
  assert.equal(locked.status, 200);
  assert.match(locked.html, /name="password"/);
  assert.deepEqual(shown(locked.html).ids, []);
  const post = (password: string) =>
    fetch(created.body.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ password }).toString(),
      redirect: 'manual',
    });
  assert.equal((await post('wrong')).status, 401);
  const right = await post('sésame');
  assert.equal(right.status, 303);
  const cookie = right.headers.get('set-cookie')!;
  assert.match(cookie, new RegExp(`Path=/shares/${created.body.id}; .*HttpOnly`));
  const open = await page(created.body.url, cookie.split(';')[0]!);
  assert.equal(shown(open.html).ids.length, 3);
  const forged = await page(created.body.url, 'share_access=9999999999.forged');
  assert.deepEqual(shown(forged.html).ids, []);
});

test('without Share: 403 and no link; another organization: 404', async () => {
  const count = async () => Number((await server.db.kysely.selectFrom('shares').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const created = await share({});
  const before = await count();
  const denied = await tokenWith(server, tenant.userId, { [ALBUM]: { Access: { see: true, image_list: true, image_download: true, Share: false } } });
  const elsewhere = await tokenWith(server, tenant.userId, { other: { Access: { Share: true } } });
  const allowed = await tokenWith(server, tenant.userId, { [ALBUM]: { Access: { Share: true } } });
  const foreign = (await newTenant(server)).token;
  for (const token of [denied, elsewhere]) {
    assert.equal((await share({}, token)).status, 403);
    assert.equal((await call(server, 'GET', `/api/v1/albums/${ALBUM}/shares`, { token })).status, 403);
    assert.equal((await call(server, 'DELETE', `/api/v1/shares/${created.body.id}`, { token })).status, 403);
  }
  assert.equal((await share({}, foreign)).status, 404);
  assert.equal((await call(server, 'GET', `/api/v1/albums/${ALBUM}/shares`, { token: foreign })).status, 404);
  assert.equal((await call(server, 'DELETE', `/api/v1/shares/${created.body.id}`, { token: foreign })).status, 404);
  assert.equal(await count(), before, 'no link made or removed');
  assert.equal((await page(created.body.url)).status, 200, 'the link still works');
  assert.equal((await share({ image_ids: ['not-an-image'] }, allowed)).status, 404);
  assert.equal((await share({}, allowed)).status, 200);
});
