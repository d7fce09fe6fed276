/**
 * The album page in a real browser: the grid loads its thumbnails, a click opens the full
 * image in the lightbox, the keyboard drives both, a view counts once (not on a reload), and
 * the page works inside a cross-site iframe (where /upload_test refuses to be framed).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import * as fixtures from '../fixtures/images.ts';
import { call, newTenant, startTestServer, tempDir, type Tenant, type TestServer } from '../helpers/server.ts';
import { type AlbumJson, createAlbum, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';
import { collectProblems, launchChromium, loadedImages, screenshot, skipWithoutChromium } from './chromium.ts';

let server: TestServer;
let tenant: Tenant;
let browser: Browser;
let album: AlbumJson;
/** The album's images as the API lists them: newest first, as the grid shows them. */
let images: Array<{ id: string; thumbnails: Record<string, string> }>;

before(async () => {
  if (skipWithoutChromium) return;
  server = await startTestServer();
  tenant = await newTenant(server);
  const dir = tempDir('album-page');
  album = await createAlbum(server, tenant.token, 'Holidays 2021');
  for (const file of [await fixtures.jpegWithGps(dir), await fixtures.rotatedJpeg(dir), await fixtures.webp(dir)]) {
    assert.equal((await uploadToAlbum(album, file)).status, 200);
  }
  images = (await waitForImages(server, tenant.token, encodeURIComponent(album.id), 3)) as typeof images;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function viewsOf(albumId: string): Promise<number> {
  const res = await call<{ views_count: number }>(server, 'GET', `/api/v1/albums/${encodeURIComponent(albumId)}`, {
    token: tenant.token,
  });
  return res.body.views_count;
}

const pageUrl = (albumId: string) => `${server.url}/albums/${encodeURIComponent(albumId)}?token=${encodeURIComponent(tenant.token)}`;

const activeThumbIndex = (page: Page) =>
  page.evaluate(() => Array.from(document.querySelectorAll('a.thumb')).indexOf(document.activeElement as Element));

/**
 * Waits until thumbnail `index` has the focus. After the dialog closes, the browser first
 * gives the focus back to where it was when the dialog opened; the page's `close` handler
 * (an event dispatched a moment later) then moves it to the thumbnail of the photo last shown.
 */
async function thumbFocused(page: Page, index: number): Promise<void> {
  // The browser restores the focus itself when the dialog closes, before the page's 'close'
  // handler (which clears the image, then focuses) has run: wait for that handler, or a key
  // pressed next could land before it moves the focus.
  await page.waitForFunction(() => !document.getElementById('lightbox-image')?.hasAttribute('src'), undefined, { timeout: 2000 });
  try {
    await page.waitForFunction(
      (i) => Array.from(document.querySelectorAll('a.thumb')).indexOf(document.activeElement as Element) === i,
      index,
      { timeout: 2000 },
    );
  } catch {
    assert.equal(await activeThumbIndex(page), index, 'focused thumbnail');
  }
}

test('the grid, the lightbox, the keyboard, and one view per viewer', { skip: skipWithoutChromium }, async () => {
  const before = await viewsOf(album.id);
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  const problems = collectProblems(page);
  await page.goto(pageUrl(album.id));

  // The grid: every thumbnail decoded, from the mini/large srcset.
  assert.equal(await page.textContent('h1'), 'Holidays 2021');
  const widths = await loadedImages(page, '#grid img', 3);
  // (With `w` descriptors naturalWidth is density-corrected: the slot's width, not the file's.)
  assert.ok(widths.every((w) => w > 0), `thumbnails decoded: ${widths}`);
  const sources = await page.$$eval('#grid img', (imgs) => imgs.map((img) => (img as HTMLImageElement).currentSrc));
  sources.forEach((src, i) => assert.ok([images[i]!.thumbnails.mini, images[i]!.thumbnails.large].includes(src), src));
  assert.equal(await viewsOf(album.id), before + 1, 'the page view counted');
  await screenshot(page, 'album-page');

  // Click: the full image in a modal dialog.
  await page.locator('a.thumb').nth(1).click();
  const dialog = page.locator('dialog#lightbox');
  await dialog.waitFor({ state: 'visible' });
  const full = page.locator('#lightbox-image');
  const shown = async () => ({
    src: await full.getAttribute('src'),
    counter: await page.textContent('#lightbox-counter'),
  });
  assert.deepEqual(await shown(), { src: images[1]!.thumbnails.full, counter: '2 / 3' });
  await page.waitForFunction(() => {
    const img = document.getElementById('lightbox-image') as HTMLImageElement;
    return img.complete && img.naturalWidth > 0;
  });
  // The rotated JPEG is 400×600 upright; full is limited to 1920, never enlarged.
  assert.deepEqual(
    await full.evaluate((img) => [(img as HTMLImageElement).naturalWidth, (img as HTMLImageElement).naturalHeight]),
    [400, 600],
  );
  await screenshot(page, 'album-page-lightbox');

  // Arrows move between photos (wrapping), Escape closes and returns focus to the photo's thumbnail.
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await shown(), { src: images[2]!.thumbnails.full, counter: '3 / 3' });
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await shown(), { src: images[0]!.thumbnails.full, counter: '1 / 3' });
  await page.keyboard.press('ArrowLeft');
  assert.equal((await shown()).counter, '3 / 3');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await thumbFocused(page, 2);

  // In the grid: arrows move the focus, Enter and Space open the focused thumbnail.
  await page.keyboard.press('Home');
  assert.equal(await activeThumbIndex(page), 0);
  await page.keyboard.press('ArrowRight');
  assert.equal(await activeThumbIndex(page), 1);
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'visible' });
  assert.equal((await shown()).counter, '2 / 3');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await thumbFocused(page, 1);
  await page.keyboard.press('ArrowLeft');
  assert.equal(await activeThumbIndex(page), 0);
  await page.keyboard.press(' ');
  await dialog.waitFor({ state: 'visible' });
  assert.equal((await shown()).counter, '1 / 3');
  await page.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await thumbFocused(page, 0);

  // Tab reaches the thumbnails in order.
  await page.locator('a.thumb').first().focus();
  await page.keyboard.press('Tab');
  assert.equal(await activeThumbIndex(page), 1);

  // A reload is the same viewer: no second view.
  await page.reload();
  await loadedImages(page, '#grid img', 3);
  assert.equal(await viewsOf(album.id), before + 1, 'a reload does not count');
  assert.match((await page.textContent('#views-count')) ?? '', new RegExp(`^${before + 1} views?$`));
  assert.deepEqual(problems, [], 'no script errors, failed loads or CSP violations');
  await context.close();
});

test('a narrow viewport: a responsive grid; another browser counts as another viewer', { skip: skipWithoutChromium }, async () => {
  const own = await createAlbum(server, tenant.token);
  const dir = tempDir('album-page-narrow');
  for (const color of ['#c0392b', '#2980b9', '#27ae60', '#f1c40f', '#8e44ad']) {
    assert.equal((await uploadToAlbum(own, await fixtures.solidColor(dir, color))).status, 200);
  }
  await waitForImages(server, tenant.token, own.id, 5);
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, userAgent: 'phone' });
  const page = await phone.newPage();
  await page.goto(pageUrl(own.id));
  await loadedImages(page, '#grid img', 5);
  const boxes = await page.$$eval('#grid a.thumb', (links) => links.map((a) => a.getBoundingClientRect().toJSON()));
  const columns = new Set(boxes.map((b) => Math.round(b.top))).size;
  assert.ok(boxes.every((b) => b.right <= 360), 'nothing overflows the viewport');
  assert.equal(boxes.filter((b) => Math.round(b.top) === Math.round(boxes[0]!.top)).length, 3, `3 columns (rows: ${columns})`);
  await page.locator('a.thumb').first().focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await activeThumbIndex(page), 3, 'ArrowDown moves one row down');
  await page.keyboard.press('ArrowUp');
  assert.equal(await activeThumbIndex(page), 0);
  await screenshot(page, 'album-page-narrow');
  assert.equal(await viewsOf(own.id), 1);
  const laptop = await browser.newContext({ userAgent: 'laptop' });
  await (await laptop.newPage()).goto(pageUrl(own.id));
  assert.equal(await viewsOf(own.id), 2);
  await phone.close();
  await laptop.close();
});

test('embedded in a cross-site iframe: it renders and counts once without cookies; /upload_test is never framed', { skip: skipWithoutChromium }, async () => {
  const own = await createAlbum(server, tenant.token);
  assert.equal((await uploadToAlbum(own, await fixtures.mostlyRedPhoto(tempDir('album-page-embed')))).status, 200);
  await waitForImages(server, tenant.token, own.id, 1);
  // The embedding site: another origin, and another site too (localhost vs 127.0.0.1), so the
  // album page is a third-party frame and its plain-HTTP cookie is not kept.
  const embedder: Server = createServer((request, response) => {
    const src = request.url === '/upload' ? `${server.url}/upload_test` : pageUrl(own.id);
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><title>Embedder</title><h1>A partner site</h1><iframe src="${src}" width="700" height="420"></iframe>`);
  });
  await new Promise<void>((resolve) => embedder.listen(0, 'localhost', resolve));
  const site = `http://localhost:${(embedder.address() as AddressInfo).port}`;
  try {
    const context = await browser.newContext({ viewport: { width: 800, height: 560 } });
    const page = await context.newPage();
    for (let i = 0; i < 2; i++) {
      await page.goto(site);
      const frame = page.frameLocator('iframe');
      await frame.locator('#grid img').first().waitFor();
      await frame.locator('#grid img').first().evaluate((img) =>
        (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0
          ? null
          : new Promise((resolve) => img.addEventListener('load', resolve, { once: true })),
      );
      assert.equal(await viewsOf(own.id), 1, `load ${i + 1}: counted once, by the fingerprint`);
    }
    assert.deepEqual(await context.cookies(server.url), [], 'the browser kept no cookie for the third-party frame');
    await screenshot(page, 'album-page-embedded');

    // /upload_test refuses to be framed: the frame never gets its document.
    await page.goto(`${site}/upload`);
    await page.waitForTimeout(500);
    const framed = page.frames().find((f) => f.url().includes('/upload_test'));
    assert.equal(await framed?.locator('#album-form').count().catch(() => 0) ?? 0, 0);
    await context.close();
  } finally {
    await new Promise((resolve) => embedder.close(resolve));
  }
});
