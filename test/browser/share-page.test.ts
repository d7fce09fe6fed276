/**
 * Share links in a real browser: the page shows exactly the shared photos (grid and
 * lightbox, no console problems, no token); after a revoke or an expiry, the page is 404 at
 * once and so is every image URL it handed out (asked past the browser's cache, whose reuse
 * the images' `Cache-Control: private, max-age=60` bounds); a password opens through the form.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { SHARE_IMAGE_MAX_AGE_SECONDS } from '../../src/services/share-links.service.ts';
import * as fixtures from '../fixtures/images.ts';
import { call, newTenant, startTestServer, tempDir, type Tenant, type TestServer } from '../helpers/server.ts';
import { createAlbum, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';
import { collectProblems, launchChromium, loadedImages, screenshot, skipWithoutChromium } from './chromium.ts';

let server: TestServer;
let tenant: Tenant;
let browser: Browser;
let imageIds: string[];
const ALBUM = 'Garden 2022';

before(async () => {
  if (skipWithoutChromium) return;
  server = await startTestServer();
  tenant = await newTenant(server);
  const album = await createAlbum(server, tenant.token, ALBUM);
  const dir = tempDir('share-page');
  for (const file of [await fixtures.jpegWithGps(dir), await fixtures.rotatedJpeg(dir), await fixtures.webp(dir)]) {
    assert.equal((await uploadToAlbum(album, file)).status, 200);
  }
  imageIds = (await waitForImages(server, tenant.token, encodeURIComponent(ALBUM), 3)).map((i) => i.id as string);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function createShare(body: object): Promise<{ id: string; url: string }> {
  const res = await call<{ id: string; url: string }>(server, 'POST', `/api/v1/albums/${encodeURIComponent(ALBUM)}/shares`, {
    token: tenant.token,
    json: body,
  });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/** Every image URL the page handed out: thumbnails (both srcset sizes) and full images. */
function handedOut(page: Page): Promise<string[]> {
  return page.$$eval('a.thumb', (thumbs) =>
    thumbs.flatMap((a) => {
      const img = a.querySelector('img')!;
      return [(a as HTMLAnchorElement).dataset.full!, img.src, ...img.srcset.split(',').map((s) => s.trim().split(' ')[0]!)].map(
        (u) => new URL(u, location.href).href,
      );
    }),
  );
}

/** Statuses of `urls` fetched by the page itself, past its cache (what the server now answers). */
function statuses(page: Page, urls: string[]): Promise<number[]> {
  return page.evaluate((list) => Promise.all(list.map((u) => fetch(u, { cache: 'no-store' }).then((r) => r.status))), urls);
}

test('the page shows exactly the shared photos; revoked, the page and its image URLs are 404 at once', { skip: skipWithoutChromium }, async () => {
  const chosen = [imageIds[0]!, imageIds[2]!];
  const link = await createShare({ image_ids: chosen });
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  const problems = collectProblems(page);
  const response = await page.goto(link.url);
  assert.equal(response!.status(), 200);
  assert.equal(await page.textContent('h1'), ALBUM);
  await loadedImages(page, '#grid img', 2);
  const shownIds = await page.$$eval('a.thumb', (thumbs) => thumbs.map((a) => (a as HTMLElement).dataset.imageId));
  assert.deepEqual([...shownIds].sort(), [...chosen].sort());
  assert.ok(!(await page.content()).includes(tenant.token), 'no API token in the page');

  await page.locator('a.thumb').first().click();
  await page.locator('dialog#lightbox').waitFor({ state: 'visible' });
  await page.waitForFunction(() => {
    const img = document.getElementById('lightbox-image') as HTMLImageElement;
    return img.complete && img.naturalWidth > 0;
  });
  await screenshot(page, 'share-page-lightbox');
  await page.keyboard.press('Escape');

  const urls = [...new Set(await handedOut(page))];
  assert.ok(urls.length >= 6 && urls.every((u) => u.startsWith(`${server.url}/shares/${link.id}/images/`)), urls.join('\n'));
  assert.deepEqual(await statuses(page, urls), urls.map(() => 200));
  const cacheControl = await page.evaluate((u) => fetch(u).then((r) => r.headers.get('cache-control')), urls[0]!);
  assert.equal(cacheControl, `private, max-age=${SHARE_IMAGE_MAX_AGE_SECONDS}`, 'the browser may reuse an image for at most this long');
  assert.deepEqual(problems, []);

  const revoked = await call(server, 'DELETE', `/api/v1/shares/${link.id}`, { token: tenant.token });
  assert.equal(revoked.status, 204);
  assert.equal((await page.reload())!.status(), 404);
  assert.deepEqual(await statuses(page, urls), urls.map(() => 404));
  await screenshot(page, 'share-page-revoked');
  await context.close();
});

test('expired: the page and its image URLs are 404 at once', { skip: skipWithoutChromium }, async () => {
  const link = await createShare({ expires_at: new Date(Date.now() + 3_600_000).toISOString() });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link.url);
  await loadedImages(page, '#grid img', 3);
  const urls = [...new Set(await handedOut(page))];
  // The link's expiry moved to the past, as the clock would move it.
  await server.db.kysely.updateTable('shares').set({ expires_at: '2000-01-01T00:00:00.000Z' }).where('id', '=', link.id).execute();
  assert.equal((await page.reload())!.status(), 404);
  assert.deepEqual(await statuses(page, urls), urls.map(() => 404));
  await context.close();
});

test('a password link opens through its form', { skip: skipWithoutChromium }, async () => {
  const link = await createShare({ password: 'open sesame', allow_download: true });
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = collectProblems(page);
  await page.goto(link.url);
  assert.equal(await page.locator('#grid').count(), 0);
  await page.fill('#share-password', 'wrong');
  await page.click('button[type=submit]');
  await page.getByRole('alert').waitFor();
  await page.fill('#share-password', 'open sesame');
  await page.click('button[type=submit]');
  await loadedImages(page, '#grid img', 3);
  assert.equal(await page.locator('#download-all').count(), 1);
  await screenshot(page, 'share-page-password');
  // The wrong password's 401 is the only failed response.
  assert.deepEqual(problems.filter((p) => !p.startsWith('HTTP 401: POST')), []);
  await context.close();
});
