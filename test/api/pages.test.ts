/**
 * The pages outside the API over real HTTP, without a browser: the thumbnail redirect (decoded
 * with sharp), the album page's derivatives, download, order and days, escaping, headers,
 * error pages and abilities, and its view counting (dedupe by cookie or fingerprint, across
 * processes, within a window).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { repositoriesOver } from '../../src/repositories/index.ts';
import { AlbumPageService } from '../../src/services/album-page.service.ts';
import { ViewerIdentity } from '../../src/services/viewer-identity.ts';
import * as fixtures from '../fixtures/images.ts';
import { notify } from '../helpers/album-ops.ts';
import { call, newTenant, startTestServer, tempDir, type Tenant, type TestServer, tokenWith } from '../helpers/server.ts';
import { type AlbumJson, createAlbum, postUpload, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';

let server: TestServer;
let tenant: Tenant;
let dir: string;
/** An album with two images: a 1200×800 JPEG and a 400×300 PNG. */
let album: AlbumJson;
let images: Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
/** The 1200×800 JPEG's file. */
let jpegPath: string;

before(async () => {
  server = await startTestServer();
  tenant = await newTenant(server);
  dir = tempDir('pages');
  album = await createAlbum(server, tenant.token);
  jpegPath = await fixtures.jpegWithGps(dir);
  assert.equal((await uploadToAlbum(album, jpegPath)).status, 200);
  assert.equal((await uploadToAlbum(album, await fixtures.pngWithAlpha(dir))).status, 200);
  images = await waitForImages(server, tenant.token, album.id, 2);
});
after(() => server.stop());

/** A GET that does not follow redirects; `headers` may carry a Cookie or a User-Agent. */
async function get(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(server.url + path, { headers, redirect: 'manual' });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function viewsOf(albumId: string): Promise<number> {
  const res = await call<{ views_count: number }>(server, 'GET', `/api/v1/albums/${encodeURIComponent(albumId)}`, {
    token: tenant.token,
  });
  assert.equal(res.status, 200);
  return res.body.views_count;
}

const pagePath = (albumId: string, token = tenant.token) => `/albums/${encodeURIComponent(albumId)}?token=${encodeURIComponent(token)}`;

/** Decodes the `&amp;` escapes of an attribute value taken from the page's markup. */
const unescape = (value: string) => value.replaceAll('&amp;', '&');

/** The grid's photos in the page's order: image id, and `srcset` candidates (`<url> <density>`). */
function photosIn(page: string): Array<{ id: string; srcset: string[] }> {
  return [...page.matchAll(/data-image-id="([^"]+)"[^>]*>\s*<img src="[^"]+" srcset="([^"]+)"/g)].map((m) => ({
    id: m[1]!,
    srcset: unescape(m[2]!).split(', '),
  }));
}

/** The page's day headings, in order (their `datetime`). */
const daysIn = (page: string) => [...page.matchAll(/<h2 class="day-title"><time datetime="([^"]+)">/g)].map((m) => m[1]);

describe('GET /images/:image_id/thumbnails/:type', () => {
  const expected: Record<string, (meta: Metadata) => void> = {
    mini: (m) => assert.deepEqual([m.width, m.height], [100, 100]),
    large: (m) => assert.deepEqual([m.width, m.height], [200, 200]),
    full: (m) => assert.deepEqual([m.width, m.height], [1200, 800]),
    original: (m) => assert.deepEqual([m.format, m.width, m.height], ['jpeg', 1200, 800]),
  };
  for (const [type, check] of Object.entries(expected)) {
    test(`${type}: 302 to the signed derivative, which decodes to the right size`, async () => {
      const jpeg = images.find((i) => i.format === 'jpg')!;
      const res = await get(`/images/${jpeg.id}/thumbnails/${type}?token=${tenant.token}`);
      assert.equal(res.status, 302);
      const location = res.headers.get('location')!;
      assert.equal(location, jpeg.thumbnails[type], 'the same signed URL as the image JSON');
      assert.match(res.headers.get('cache-control')!, /no-store/);
      const image = await fetch(location);
      assert.equal(image.status, 200);
      check(await sharp(Buffer.from(await image.arrayBuffer())).metadata());
    });
  }

  test('the token may come in the Authorization header', async () => {
    const png = images.find((i) => i.format === 'png')!;
    const res = await get(`/images/${png.id}/thumbnails/mini`, { Authorization: `Token token="${tenant.token}"` });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), png.thumbnails.mini);
  });

  test('an unknown image is 404, also when it belongs to another organization', async () => {
    const unknown = await get(`/images/nope/thumbnails/mini?token=${tenant.token}`);
    assert.equal(unknown.status, 404);
    assert.equal(JSON.parse(unknown.text).error.status, 404);
    const other = await newTenant(server);
    const foreign = await get(`/images/${images[0]!.id}/thumbnails/mini?token=${other.token}`);
    assert.equal(foreign.status, 404);
  });

  test('an unknown type is 400 Invalid url', async () => {
    for (const type of ['huge', 'constructor', '__proto__']) {
      const res = await get(`/images/${images[0]!.id}/thumbnails/${type}?token=${tenant.token}`);
      assert.equal(res.status, 400, type);
      assert.equal(JSON.parse(res.text).error.message, 'Invalid url');
    }
  });

  test('no token or a bad one is 401; a token without `see` on the album is 403', async () => {
    const none = await get(`/images/${images[0]!.id}/thumbnails/mini`);
    assert.equal(none.status, 401);
    assert.equal(JSON.parse(none.text).error.status, 401);
    assert.equal((await get(`/images/${images[0]!.id}/thumbnails/mini?token=${tenant.token}x`)).status, 401);
    const listOnly = await tokenWith(server, tenant.userId, { [album.id]: { Access: { image_list: true } } });
    assert.equal((await get(`/images/${images[0]!.id}/thumbnails/mini?token=${listOnly}`)).status, 403);
    const seeOther = await tokenWith(server, tenant.userId, { 'another-album': { Access: { see: true } } });
    assert.equal((await get(`/images/${images[0]!.id}/thumbnails/mini?token=${seeOther}`)).status, 403);
    const see = await tokenWith(server, tenant.userId, { [album.id]: { Access: { see: true } } });
    assert.equal((await get(`/images/${images[0]!.id}/thumbnails/mini?token=${see}`)).status, 302);
  });

  test('an image in the trash is 404', async () => {
    const own = await createAlbum(server, tenant.token);
    assert.equal((await uploadToAlbum(own, await fixtures.solidColor(dir, '#205080'))).status, 200);
    const [image] = await waitForImages(server, tenant.token, own.id, 1);
    assert.equal((await get(`/images/${image!.id}/thumbnails/mini?token=${tenant.token}`)).status, 302);
    assert.equal((await call(server, 'DELETE', `/api/v1/images/${image!.id}`, { token: tenant.token })).status, 204);
    assert.equal((await get(`/images/${image!.id}/thumbnails/mini?token=${tenant.token}`)).status, 404);
  });
});

describe('GET /albums/:id (the album page)', () => {
  test('an HTML page with the grid, not the API headers, and framable by any site', async () => {
    const res = await get(pagePath(album.id));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('x-frame-options'), null);
    const csp = res.headers.get('content-security-policy')!;
    assert.match(csp, /frame-ancestors \*/);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    for (const seedHeader of ['p3p', 'x-runtime', 'x-token', 'pragma', 'expires']) {
      assert.equal(res.headers.get(seedHeader), null, `${seedHeader} is the API's`);
    }
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.match(res.text, /^<!doctype html>/);
    for (const image of images) {
      assert.ok(res.text.includes(`href="${image.thumbnails.full}"`), 'each thumbnail links its full image');
    }
    assert.deepEqual(photosIn(res.text).map((p) => p.id), images.map((i) => i.id), 'newest first');
    assert.equal(res.text.match(/loading="lazy" decoding="async"/g)?.length, 2);
    assert.equal(res.text.match(/<script/g)?.length, 1, 'one external script, nothing inline');
  });

  test('everything is escaped: album id and file names full of markup', async () => {
    const nasty = `<script>alert("id")</script>&'x`;
    const created = await createAlbum(server, tenant.token, nasty);
    assert.equal(created.id, nasty);
    const upload = await postUpload(created.upload_form.url, created.upload_form.params, {
      // (FormData percent-encodes a double quote in a file name, so none here.)
      name: `<img src=x onerror=alert(1)>&'.png`,
      data: await sharp({ create: { width: 20, height: 20, channels: 3, background: '#ff0000' } }).png().toBuffer(),
    });
    assert.equal(upload.status, 200, JSON.stringify(upload.body));
    await waitForImages(server, tenant.token, encodeURIComponent(created.id), 1);
    const res = await get(pagePath(nasty));
    assert.equal(res.status, 200);
    assert.ok(!res.text.includes('<script>alert'), 'no raw script from the id');
    assert.ok(!res.text.includes('<img src=x'), 'no raw markup from the file name');
    assert.ok(res.text.includes('<h1>&lt;script&gt;alert(&quot;id&quot;)&lt;/script&gt;&amp;&#39;x</h1>'));
    assert.ok(res.text.includes('alt="&lt;img src=x onerror=alert(1)&gt;&amp;&#39;.png"'));
    assert.equal(res.text.match(/<script/g)?.length, 1);
    assert.equal(res.text.match(/<img /g)?.length, 2, 'the thumbnail and the (empty) lightbox image only');
    assert.ok(res.text.includes('<div><dt>File</dt><dd>&lt;img src=x onerror=alert(1)&gt;&amp;&#39;.png</dd></div>'), 'the details too');
  });

  test('no token or a bad one: a 401 HTML page', async () => {
    for (const path of [`/albums/${album.id}`, pagePath(album.id, `${tenant.token}x`), pagePath(album.id, 'not-a-jwt')]) {
      const res = await get(path);
      assert.equal(res.status, 401, path);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(res.text, /<title>401 /);
      assert.match(res.text, /valid token/);
    }
  });

  test('an unknown album, or another organization’s, is a 404 HTML page', async () => {
    const unknown = await get(pagePath('no-such-album'));
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(unknown.text, /<title>404 Album not found<\/title>/);
    const other = await newTenant(server);
    assert.equal((await get(pagePath(album.id, other.token))).status, 404);
  });

  test('`see` is needed (403 page); without `image_list` the page lists no photos', async () => {
    const other = await tokenWith(server, tenant.userId, { 'another-album': { Access: { see: true, image_list: true } } });
    const forbidden = await get(pagePath(album.id, other));
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.text, /<title>403 /);
    const seeOnly = await tokenWith(server, tenant.userId, { [album.id]: { Access: { see: true } } });
    const page = await get(pagePath(album.id, seeOnly));
    assert.equal(page.status, 200);
    assert.ok(!page.text.includes('id="grid"'));
    assert.match(page.text, /may show the album but not list its photos/);
    const both = await tokenWith(server, tenant.userId, { [album.id]: { Access: { see: true, image_list: true } } });
    assert.match((await get(pagePath(album.id, both))).text, /id="grid"/);
  });

  test('srcset: the grid derivative for 1x, 2x and 3x screens, signed, each decoding to its size', async () => {
    const res = await get(pagePath(album.id));
    const jpeg = photosIn(res.text).find((p) => p.id === images.find((i) => i.format === 'jpg')!.id)!;
    assert.deepEqual(jpeg.srcset.map((candidate) => candidate.split(' ')[1]), ['1x', '2x', '3x']);
    const urls = jpeg.srcset.map((candidate) => candidate.split(' ')[0]!);
    const sizes = [];
    for (const [i, url] of urls.entries()) {
      assert.match(url, new RegExp(`^${server.url}/[^/]+/image/[^/]+/s--[\\w-]{8}--/c_limit,dpr_${i + 1}\\.0,h_320,w_2560/`), 'signed');
      const response = await fetch(url);
      assert.equal(response.status, 200, url);
      const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      sizes.push([meta.width, meta.height]);
    }
    // 320 px high per density, never more than the 1200×800 original.
    assert.deepEqual(sizes, [[480, 320], [960, 640], [1200, 800]]);
    // The signature covers the transformation: another density is refused.
    assert.equal((await fetch(urls[0]!.replace('dpr_1.0', 'dpr_4.0'))).status, 400);
  });

  test('download: the original as uploaded, named after the file, only with `image_download`', async () => {
    const page = await get(pagePath(album.id));
    const links = [...page.text.matchAll(/<a class="button details-download" href="([^"]+)" download>Download original<\/a>/g)];
    assert.equal(links.length, 2, 'one per photo');
    const jpeg = images.find((i) => i.format === 'jpg')!;
    const href = links.map((m) => unescape(m[1]!)).find((url) => url.includes(jpeg.public_id))!;
    assert.match(href, /\/s--[\w-]{8}--\/fl_attachment:gps\//, 'a signed delivery URL: no token in the page');
    assert.ok(!page.text.includes(`href="${server.url}/api/`), 'no API link either');
    const file = await fetch(href);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-disposition'), 'attachment; filename="gps.jpg"');
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), await readFile(jpegPath), 'the very bytes uploaded');
    const listOnly = await tokenWith(server, tenant.userId, { [album.id]: { Access: { see: true, image_list: true } } });
    const without = await get(pagePath(album.id, listOnly));
    assert.equal(photosIn(without.text).length, 2);
    assert.ok(!without.text.includes('Download original'));
    const downloader = await tokenWith(server, tenant.userId, { [album.id]: { Access: { see: true, image_list: true, image_download: true } } });
    assert.equal((await get(pagePath(album.id, downloader))).text.match(/Download original/g)?.length, 2);
  });

  test("the token's or the album's Sort orders the page; consecutive photos of a day share its heading", async () => {
    const own = await createAlbum(server, tenant.token);
    // Uploaded in this order; taken on other days (the third twice in one day, the fourth never).
    const taken = ['2021:05:01 10:00:00', '2019:01:01 08:00:00', '2020:03:03 12:00:00', null, '2020:03:03 18:30:00'];
    for (const [i, when] of taken.entries()) {
      await notify(server, own, `sorted-${i}`, when ? { image_metadata: { DateTimeOriginal: when } } : {});
    }
    const listed = await waitForImages(server, tenant.token, own.id, taken.length);
    const idOf = (n: number) => listed.find((i) => i.public_id === `sorted-${n}`)!.id;
    const today = listed.find((i) => i.public_id === 'sorted-3')!.created_at.slice(0, 10);
    const pageWith = async (abilities: object | null) => {
      const token = abilities ? await tokenWith(server, tenant.userId, abilities) : tenant.token;
      const res = await get(pagePath(own.id, token));
      assert.equal(res.status, 200, res.text);
      return { order: photosIn(res.text).map((p) => p.id), days: daysIn(res.text) };
    };
    const access = { see: true, image_list: true };
    assert.deepEqual(await pageWith(null), {
      order: [4, 3, 2, 1, 0].map(idOf),
      days: ['2020-03-03', today, '2020-03-03', '2019-01-01', '2021-05-01'],
    }, 'newest upload first; a day split by that order shows twice');
    assert.deepEqual(await pageWith({ [own.id]: { Access: access }, Sort: { field: 'taken_at', order: 'asc' } }), {
      order: [1, 2, 4, 0, 3].map(idOf),
      days: ['2019-01-01', '2020-03-03', '2021-05-01', today],
    }, "the token's Sort: taken first, the photo without a capture time last, under its upload day");
    assert.deepEqual(
      (await pageWith({ [own.id]: { Access: access, Sort: { field: 'date_taken', order: 'desc' } } })).order,
      [0, 4, 2, 1, 3].map(idOf),
      "the album's own Sort",
    );
    assert.deepEqual(
      (await pageWith({ [own.id]: { Access: access }, Sort: { field: 'created_at', order: 'asc' } })).order,
      [0, 1, 2, 3, 4].map(idOf),
    );
  });

  test('/upload_test is a page too: no token needed, never framed', async () => {
    const res = await get('/upload_test');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.match(res.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
    assert.match(res.headers.get('content-security-policy')!, new RegExp(`connect-src 'self' ${server.url}`));
    assert.equal(res.headers.get('p3p'), null);
    assert.match(res.text, /<script src="\/assets\/upload-test.js" defer><\/script>/);
    const script = await get('/assets/upload-test.js');
    assert.equal(script.status, 200);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const etag = script.headers.get('etag')!;
    assert.equal((await get('/assets/upload-test.js', { 'If-None-Match': etag })).status, 304);
    assert.equal((await get('/assets/..%2Fconfig.ts')).status, 404);
    assert.equal((await get('/assets/pages.css')).headers.get('content-type'), 'text/css; charset=utf-8');
  });
});

describe('with MEDIA_HOST=cloudinary', () => {
  test('the upload page may post to api.cloudinary.com and show images from res.cloudinary.com', async () => {
    const cloudinary = await startTestServer({ MEDIA_HOST: 'cloudinary', CLOUDINARY_URL: 'cloudinary://123456:abcdef@demo-cloud', WORKERS: '0' });
    try {
      const owner = await newTenant(cloudinary);
      const created = await createAlbum(cloudinary, owner.token);
      assert.equal(created.upload_form.url, 'https://api.cloudinary.com/v1_1/demo-cloud/auto/upload');
      const page = await fetch(`${cloudinary.url}/upload_test`);
      const csp = page.headers.get('content-security-policy')!;
      assert.match(csp, /connect-src 'self' https:\/\/api\.cloudinary\.com;/);
      assert.match(csp, /img-src 'self' https:\/\/res\.cloudinary\.com /);
      const albumPage = await fetch(`${cloudinary.url}/albums/${created.id}?token=${owner.token}`);
      assert.equal(albumPage.status, 200);
      assert.match(albumPage.headers.get('content-security-policy')!, /img-src 'self' https:\/\/res\.cloudinary\.com /);
    } finally {
      await cloudinary.stop();
    }
  });
});

describe('views', () => {
  test('a page view counts once; reloads (same cookie, or none from the same client) do not', async () => {
    const own = await createAlbum(server, tenant.token);
    assert.equal(await viewsOf(own.id), 0);
    const first = await get(pagePath(own.id), { 'User-Agent': 'browser A' });
    assert.equal(first.status, 200);
    assert.equal(await viewsOf(own.id), 1);
    const setCookie = first.headers.get('set-cookie')!;
    assert.match(setCookie, /^album_viewer=[\w-]{22}\.[\w-]{43}; Path=\/albums; Max-Age=31536000; HttpOnly; SameSite=Lax$/);
    const cookie = setCookie.split(';')[0]!;
    const withCookie = await get(pagePath(own.id), { 'User-Agent': 'browser A', Cookie: cookie });
    assert.equal(withCookie.headers.get('set-cookie'), null, 'a valid cookie is kept');
    await get(pagePath(own.id), { 'User-Agent': 'browser A' });
    await get(`${pagePath(own.id)}&page=2`, { 'User-Agent': 'browser A', Cookie: cookie });
    assert.equal(await viewsOf(own.id), 1);
    // The same browser under another User-Agent still carries its cookie: the same viewer.
    await get(pagePath(own.id), { 'User-Agent': 'browser A, updated', Cookie: cookie });
    assert.equal(await viewsOf(own.id), 1);
  });

  test('other viewers count: another client without a cookie, another user, another cookie', async () => {
    const own = await createAlbum(server, tenant.token);
    await get(pagePath(own.id), { 'User-Agent': 'browser A' });
    await get(pagePath(own.id), { 'User-Agent': 'browser B' });
    const colleague = await server.services.accounts.createUser({ organizationId: tenant.organizationId, email: 'colleague@example.org' });
    const colleagueToken = await server.services.accounts.userToken(colleague.public_id);
    await get(pagePath(own.id, colleagueToken), { 'User-Agent': 'browser A' });
    assert.equal(await viewsOf(own.id), 3);
    // A cookie from a view of another album is a known viewer, but new to this album.
    const elsewhere = await get(pagePath(album.id), { 'User-Agent': 'browser C' });
    const cookie = elsewhere.headers.get('set-cookie')!.split(';')[0]!;
    await get(pagePath(own.id), { 'User-Agent': 'browser C', Cookie: cookie });
    assert.equal(await viewsOf(own.id), 4);
  });

  test('a forged cookie is ignored (the client counts as without one)', async () => {
    const own = await createAlbum(server, tenant.token);
    const forged = `album_viewer=${'A'.repeat(22)}.${'B'.repeat(43)}`;
    const res = await get(pagePath(own.id), { 'User-Agent': 'forger', Cookie: forged });
    assert.match(res.headers.get('set-cookie')!, /^album_viewer=/, 'a fresh cookie replaces it');
    await get(pagePath(own.id), { 'User-Agent': 'forger', Cookie: `album_viewer=${'C'.repeat(22)}.${'D'.repeat(43)}` });
    assert.equal(await viewsOf(own.id), 1);
  });

  test('API reads, prefetches, HEAD and failed views do not count', async () => {
    const own = await createAlbum(server, tenant.token);
    for (let i = 0; i < 3; i++) {
      await call(server, 'GET', `/api/v1/albums/${own.id}`, { token: tenant.token });
      await call(server, 'GET', `/api/v1/albums/${own.id}/images`, { token: tenant.token });
    }
    await call(server, 'GET', '/api/v1/albums', { token: tenant.token });
    await get(pagePath(own.id), { 'Sec-Purpose': 'prefetch;prerender', 'User-Agent': 'prefetcher' });
    // The page's script loading its next photos.
    await get(`${pagePath(own.id)}&page=2`, { 'Sec-Fetch-Dest': 'empty', 'User-Agent': 'scroller' });
    assert.notEqual((await fetch(server.url + pagePath(own.id), { method: 'HEAD' })).status, 200);
    const seeless = await tokenWith(server, tenant.userId, { [own.id]: { Access: { image_list: true } } });
    assert.equal((await get(pagePath(own.id, seeless))).status, 403);
    assert.equal(await viewsOf(own.id), 0);
  });

  test('concurrent first views of one viewer count once', async () => {
    const own = await createAlbum(server, tenant.token);
    const responses = await Promise.all(Array.from({ length: 12 }, () => get(pagePath(own.id), { 'User-Agent': 'eager browser' })));
    assert.ok(responses.every((r) => r.status === 200));
    assert.equal(await viewsOf(own.id), 1);
  });

  test('the dedupe lives in the database: a reload served by another process does not count', async () => {
    const { apiKey, apiSecret, cloudName } = server.config.cloudinary;
    const second = await startTestServer({
      DATABASE_URL: server.config.databaseUrl,
      SECRET_KEY_BASE: server.config.secretKeyBase,
      CLOUDINARY_URL: `cloudinary://${apiKey}:${apiSecret}@${cloudName}`,
      WORKERS: '0',
    });
    try {
      const own = await createAlbum(server, tenant.token);
      const first = await get(pagePath(own.id), { 'User-Agent': 'roaming browser' });
      const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
      const reloads: Array<Record<string, string>> = [{ 'User-Agent': 'roaming browser' }, { 'User-Agent': 'roaming browser', Cookie: cookie }];
      for (const headers of reloads) {
        const res = await fetch(second.url + pagePath(own.id), { headers });
        assert.equal(res.status, 200);
      }
      assert.equal(await viewsOf(own.id), 1);
      await fetch(second.url + pagePath(own.id), { headers: { 'User-Agent': 'another browser' } });
      assert.equal(await viewsOf(own.id), 2);
    } finally {
      await second.stop();
    }
  });

  test('after the window the same viewer counts again (service, with a clock)', async () => {
    let now = new Date('2030-01-01T12:00:00.000Z');
    const service = new AlbumPageService(repositoriesOver(server.db.kysely), server.services.albums, server.services.presenter, {
      now: () => now,
      pruneShare: 1,
    });
    const checked = await server.services.auth.check({ kind: 'token', token: tenant.token });
    assert.ok(!('refused' in checked), 'the tenant token is accepted');
    const actor = checked.actor;
    const viewer = new ViewerIdentity(server.config.secretKeyBase).of({ cookie: undefined, ip: '192.0.2.1', userAgent: 'clock', actor });
    const own = await createAlbum(server, tenant.token);
    const minutes = (m: number) => new Date(Date.parse('2030-01-01T12:00:00.000Z') + m * 60_000);
    const counted: boolean[] = [];
    for (const m of [0, 1, 29, 30.5, 45, 61]) {
      now = minutes(m);
      counted.push((await service.view(actor, own.id, viewer)).counted);
    }
    // Counted at 0, then not until 30 minutes after it (30.5), then not until 60.5 (61).
    assert.deepEqual(counted, [true, false, false, true, false, true]);
    assert.equal(await viewsOf(own.id), 3);
  });
});
