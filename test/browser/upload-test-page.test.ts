/**
 * /upload_test in a real browser: a token from the link, an album created from the page,
 * three files uploaded straight to the album's form with a progress bar each, and their
 * thumbnails appearing (and loading) once recorded; 200 files at once through a bounded
 * queue with lazy previews; a phone's camera input and a pasted image; a big file in chunks
 * (Cloudinary's upload_large protocol) arriving whole; one file cancelled mid-way, then
 * retried from its next chunk.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page, Request, Route } from 'playwright-core';
import sharp from 'sharp';
import * as fixtures from '../fixtures/images.ts';
import { call, newTenant, startTestServer, tempDir, type Tenant, type TestServer, tokenWith } from '../helpers/server.ts';
import { type AlbumJson, createAlbum } from '../helpers/uploads.ts';
import { collectProblems, launchChromium, loadedImages, SCREENSHOTS, screenshot, skipWithoutChromium } from './chromium.ts';

let server: TestServer;
let tenant: Tenant;
let browser: Browser;
let files: string[];
/** A JPEG of noise (it does not compress) several times CHUNK bytes. */
let big: string;

/** The chunk size the chunked tests give the page: small, so a small file has several. */
const CHUNK = 64 * 1024;

before(async () => {
  if (skipWithoutChromium) return;
  server = await startTestServer();
  tenant = await newTenant(server);
  const dir = tempDir('upload-page');
  files = [await fixtures.jpegWithGps(dir), await fixtures.pngWithAlpha(dir), await fixtures.webp(dir)];
  big = join(dir, 'big.jpg');
  await sharp({ create: { width: 640, height: 480, channels: 3, background: '#336699', noise: { type: 'gaussian', mean: 128, sigma: 50 } } })
    .jpeg({ quality: 95 })
    .toFile(big);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('create an album, upload three files with progress, see three thumbnails load', { skip: skipWithoutChromium }, async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const problems = collectProblems(page);
  await page.goto(`${server.url}/upload_test?token=${encodeURIComponent(tenant.token)}`);
  assert.equal(await page.inputValue('#token'), tenant.token, 'the token comes from ?token=');

  await page.getByRole('button', { name: 'Create album' }).click();
  await page.locator('#upload-section').waitFor({ state: 'visible' });
  const albumId = await page.inputValue('#album-id');
  assert.ok(albumId, 'the new album id is shown');
  assert.equal(new URL(page.url()).searchParams.get('album'), albumId, 'a reload reopens the album');

  await page.setInputFiles('#files', files);
  // One progress bar per file, each named after its file.
  const bars = page.locator('#queue progress');
  assert.equal(await bars.count(), 3);
  for (const name of ['gps.jpg', 'alpha.png', 'photo.webp']) {
    assert.equal(await page.getByRole('progressbar', { name: `Upload of ${name}` }).count(), 1, name);
  }

  await page.waitForFunction(() => document.querySelectorAll('#queue [data-state="done"]').length === 3, null, { timeout: 30_000 });
  assert.deepEqual(await bars.evaluateAll((els) => els.map((el) => (el as HTMLProgressElement).value)), [100, 100, 100]);
  const widths = await loadedImages(page, '#thumbnails img', 3);
  assert.ok(widths.every((w) => w >= 100), `thumbnails decoded: ${widths}`);
  assert.match(await page.textContent('#album-count') ?? '', /^3 photos$/);
  await page.locator('#status', { hasText: 'All uploads are in the album.' }).waitFor();

  const albumRes = await call<{ images_count: number }>(server, 'GET', `/api/v1/albums/${encodeURIComponent(albumId)}`, {
    token: tenant.token,
  });
  assert.equal(albumRes.body.images_count, 3);
  await screenshot(page, 'upload-test');
  assert.deepEqual(problems, [], 'no script errors, failed loads or CSP violations');
  await page.close();
});

test('an existing album opens from ?album=; a file the host refuses shows its error', { skip: skipWithoutChromium }, async () => {
  const album = await createAlbum(server, tenant.token);
  const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
  await page.goto(`${server.url}/upload_test?token=${encodeURIComponent(tenant.token)}&album=${encodeURIComponent(album.id)}`);
  await page.locator('#upload-section').waitFor({ state: 'visible' });
  assert.equal(await page.textContent('#album-name'), album.id);
  await page.setInputFiles('#files', [await fixtures.textFile(tempDir('upload-page-bad'))]);
  const failed = page.locator('#queue [data-state="failed"]');
  await failed.waitFor();
  assert.match((await failed.textContent()) ?? '', /^not-an-image\.jpg.*Failed: .*image/i, 'the file name, then why');
  await page.locator('#status.error', { hasText: '1 of 1 upload failed.' }).waitFor();
  await screenshot(page, 'upload-test-narrow-error');
  await page.close();
});

test('"Open album" with an empty id asks for one and creates nothing', { skip: skipWithoutChromium }, async () => {
  const empty = await newTenant(server);
  const page = await browser.newPage();
  await page.goto(`${server.url}/upload_test?token=${encodeURIComponent(empty.token)}`);
  await page.getByRole('button', { name: 'Open album' }).click();
  await page.locator('#status.error', { hasText: 'Enter the id of the album to open' }).waitFor();
  assert.equal(await page.locator('#upload-section').isVisible(), false);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'album-id', 'the id field has the focus');
  const albums = await call(server, 'GET', '/api/v1/albums', { token: empty.token });
  assert.equal(albums.headers.get('x-total-count'), '0', 'no album was created');
  await page.close();
});

test('an unknown album says so (to a token that may not open it); without a token the page asks for one', { skip: skipWithoutChromium }, async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/upload_test`);
  await page.locator('#status', { hasText: 'Enter a token' }).waitFor();
  // A token that may upload into an id opens it on first use; one that may only look does not.
  await page.fill('#token', await tokenWith(server, tenant.userId, { 'no-such-album': { Access: { see: true } } }));
  await page.fill('#album-id', 'no-such-album');
  await page.getByRole('button', { name: 'Open album' }).click();
  await page.locator('#status.error', { hasText: 'There is no album' }).waitFor();
  assert.equal(await page.locator('#upload-section').isVisible(), false);
  await page.close();
});

/** The page with `album` open; `phone` emulates a touch screen (where the camera input shows). */
async function openAlbum(album: AlbumJson, viewport: { width: number; height: number }, phone = false): Promise<Page> {
  const page = await browser.newPage({ viewport, ...(phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}) });
  await page.goto(`${server.url}/upload_test?token=${encodeURIComponent(tenant.token)}&album=${encodeURIComponent(album.id)}`);
  await page.locator('#upload-section').waitFor({ state: 'visible' });
  return page;
}

/**
 * A screenshot of what the viewport shows, saved beside the full-page ones: 200 rows make a
 * very tall page, and a full-page capture drops the touch emulation that shows the camera.
 */
async function viewportScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path });
  console.log(`screenshot: ${path}`);
}

const waitForDone = (page: Page, count: number, timeout = 60_000) =>
  page.waitForFunction((n) => document.querySelectorAll('#queue [data-state="done"]').length === n, count, { timeout, polling: 250 });

const rowTexts = (page: Page) => page.locator('#queue .upload').evaluateAll((rows) => rows.map((row) => row.textContent!.trim()));

/** The chunk headers of every upload request the page sends to the media host, in order. */
function hostRequests(page: Page): Array<{ id?: string; range?: string }> {
  const seen: Array<{ id?: string; range?: string }> = [];
  page.on('request', (request: Request) => {
    if (request.method() !== 'POST' || !new URL(request.url()).pathname.startsWith('/v1_1/')) return;
    const headers = request.headers();
    seen.push({ id: headers['x-unique-upload-id'], range: headers['content-range'] });
  });
  return seen;
}

/** The Content-Range of each chunk of a `size`-byte file, as upload_large sends them. */
function chunkRanges(size: number): string[] {
  const ranges: string[] = [];
  for (let first = 0; first < size; first += CHUNK) {
    const last = Math.min(first + CHUNK, size) - 1;
    ranges.push(`bytes ${first}-${last}/${last === size - 1 ? size : -1}`);
  }
  return ranges;
}

async function albumImages(albumId: string): Promise<Array<{ id: string; filename: string }>> {
  const res = await call<Array<{ id: string; filename: string }>>(server, 'GET', `/api/v1/albums/${encodeURIComponent(albumId)}/images?per_page=500`, {
    token: tenant.token,
  });
  assert.equal(res.status, 200);
  return res.body;
}

/** The original of an image, as the API's download serves it. */
async function original(imageId: string): Promise<Buffer> {
  const res = await fetch(`${server.url}/api/v1/images/${imageId}/download`, { headers: { Authorization: `Bearer ${tenant.token}` } });
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

/**
 * The previews in the queue: their natural width, and whether their object URL is revoked
 * already (a new image from the same URL fails: a failed load the page's problems would list).
 */
async function previewsOf(page: Page): Promise<Array<{ width: number; revoked: boolean }>> {
  return page.locator('#queue .preview img').evaluateAll((images) =>
    Promise.all(
      images.map(
        (img) =>
          new Promise<{ width: number; revoked: boolean }>((resolve) => {
            const probe = new Image();
            const width = (img as HTMLImageElement).naturalWidth;
            probe.onload = () => resolve({ width, revoked: false });
            probe.onerror = () => resolve({ width, revoked: true });
            probe.src = (img as HTMLImageElement).src;
          }),
      ),
    ),
  );
}

test('200 photos at once at 1440 px: 3 uploads at a time, previews made lazily, every row ends "in the album"', { skip: skipWithoutChromium, timeout: 420_000 }, async () => {
  const dir = tempDir('upload-page-200');
  const paths: string[] = [];
  for (let i = 1; i <= 200; i++) {
    const path = join(dir, `photo-${String(i).padStart(3, '0')}.jpg`);
    const background = { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 };
    await sharp({ create: { width: 64, height: 48, channels: 3, background } }).jpeg().toFile(path);
    paths.push(path);
  }
  const album = await createAlbum(server, tenant.token);
  const page = await openAlbum(album, { width: 1440, height: 900 });
  const problems = collectProblems(page);
  assert.equal(await page.locator('#camera').isVisible(), false, 'no camera button with a mouse');
  // Counts the uploads in flight (the page's only XMLHttpRequests) and the main thread's long tasks.
  await page.evaluate(() => {
    const watch = { now: 0, most: 0, longest: 0 };
    Object.assign(window, { watch });
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function (this: XMLHttpRequest, body) {
      watch.most = Math.max(watch.most, ++watch.now);
      this.addEventListener('loadend', () => watch.now--);
      return send.call(this, body);
    };
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) watch.longest = Math.max(watch.longest, entry.duration);
    }).observe({ type: 'longtask' });
  });

  const started = Date.now();
  await page.setInputFiles('#files', paths);
  await waitForDone(page, 200, 400_000);
  console.log(`200 uploads in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const texts = await rowTexts(page);
  assert.equal(texts.length, 200);
  assert.deepEqual(texts.filter((text) => !text.endsWith('in the album')), [], 'every row ends "in the album"');
  assert.match(texts[0]!, /^photo-001\.jpg/);
  assert.equal((await albumImages(album.id)).length, 200);
  await page.locator('#status', { hasText: 'All uploads are in the album.' }).waitFor();
  assert.equal(await page.textContent('#queue-summary'), '200 of 200 in the album');
  assert.match((await page.textContent('#album-count')) ?? '', /^200 photos$/);

  const watch = await page.evaluate(() => (window as unknown as { watch: { most: number; longest: number } }).watch);
  console.log(`uploads at once: ${watch.most}; longest main-thread task: ${watch.longest.toFixed(0)} ms`);
  assert.equal(watch.most, 3, 'three uploads at a time, never more');
  assert.ok(watch.longest < 1000, `the page never froze (longest task ${watch.longest} ms)`);

  assert.deepEqual(problems, [], 'no script errors, failed loads or CSP violations');

  // Previews only for rows that came near the screen; one more once the last row is scrolled to.
  const previews = await previewsOf(page);
  assert.ok(previews.length >= 5 && previews.length < 50, `${previews.length} previews for the rows near the top`);
  assert.deepEqual(new Set(previews.map((p) => JSON.stringify(p))), new Set([JSON.stringify({ width: 96, revoked: true })]));
  await viewportScreenshot(page, 'upload-test-200-wide');
  await page.locator('#queue .upload').last().scrollIntoViewIfNeeded();
  await page.locator('#queue .upload').last().locator('.preview img').waitFor();
  await viewportScreenshot(page, 'upload-test-200-wide-end');
  await page.close();
});

test('a phone at 390 px: the camera input, a pasted image, a preview of each', { skip: skipWithoutChromium }, async () => {
  const album = await createAlbum(server, tenant.token);
  const page = await openAlbum(album, { width: 390, height: 844 }, true);
  const problems = collectProblems(page);
  const camera = page.locator('#camera');
  assert.equal(await camera.getAttribute('accept'), 'image/*');
  assert.equal(await camera.getAttribute('capture'), 'environment');
  await page.getByText('Take a photo').waitFor({ state: 'visible' });

  await page.setInputFiles('#camera', files[0]!);
  // A paste of an image (as a screenshot or a copied photo arrives), anywhere on the page.
  const pasted = (await readFile(files[1]!)).toString('base64');
  await page.evaluate((base64) => {
    const data = new DataTransfer();
    data.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], 'pasted.png', { type: 'image/png' }));
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, pasted);
  await waitForDone(page, 2);
  const texts = await rowTexts(page);
  assert.match(texts[0]!, /^gps\.jpg.*in the album$/);
  assert.match(texts[1]!, /^pasted\.png.*in the album$/);
  assert.deepEqual((await albumImages(album.id)).map((i) => i.filename).sort(), ['gps.jpg', 'pasted.png']);
  await page.waitForFunction(() => document.querySelectorAll('#queue .preview img').length === 2);
  await loadedImages(page, '#thumbnails img', 2);
  await page.evaluate(() => document.getElementById('album-title')!.scrollIntoView());
  await viewportScreenshot(page, 'upload-test-phone');
  assert.deepEqual(problems, [], 'no script errors, failed loads or CSP violations');
  assert.deepEqual(await previewsOf(page), [{ width: 96, revoked: true }, { width: 96, revoked: true }]);
  await page.close();
});

test('a file larger than the chunk size goes in chunks, as upload_large sends them, and arrives whole', { skip: skipWithoutChromium }, async () => {
  const bytes = await readFile(big);
  assert.ok(bytes.length > 3 * CHUNK, `${bytes.length} bytes`);
  const album = await createAlbum(server, tenant.token);
  const page = await openAlbum(album, { width: 1440, height: 900 });
  const problems = collectProblems(page);
  await page.$eval('#upload-section', (section, size) => (section.dataset.chunkSize = String(size)), CHUNK);
  const requests = hostRequests(page);

  await page.setInputFiles('#files', big);
  await waitForDone(page, 1);
  const id = requests[0]?.id;
  assert.match(id ?? '', /^[0-9a-f]{32}$/, 'one X-Unique-Upload-Id');
  assert.deepEqual(requests, chunkRanges(bytes.length).map((range) => ({ id, range })), 'each chunk once, in order, the total with the last');
  assert.match((await rowTexts(page))[0]!, /^big\.jpg.*in the album$/);
  const [image] = await albumImages(album.id);
  assert.ok((await original(image!.id)).equals(bytes), 'the original is the file, byte for byte');
  await screenshot(page, 'upload-test-chunked');
  assert.deepEqual(problems, [], 'no script errors, failed loads or CSP violations');
  await page.close();
});

test('cancel a file mid-way, then retry it: it resumes at the chunk it was sending and arrives whole', { skip: skipWithoutChromium }, async () => {
  const bytes = await readFile(big);
  const album = await createAlbum(server, tenant.token);
  const page = await openAlbum(album, { width: 390, height: 844 });
  await page.$eval('#upload-section', (section, size) => (section.dataset.chunkSize = String(size)), CHUNK);
  const requests = hostRequests(page);
  // The second chunk is held in flight, never answered, until the page gives it up.
  let held: Route | undefined;
  const holding = new Promise<void>((resolve) => {
    void page.route('**/v1_1/**', async (route) => {
      if (!held && route.request().headers()['content-range']?.startsWith(`bytes ${CHUNK}-`)) {
        held = route;
        resolve();
      } else await route.continue();
    });
  });

  await page.setInputFiles('#files', big);
  await holding;
  await page.getByRole('button', { name: 'Cancel big.jpg' }).click();
  await page.locator('#queue [data-state="cancelled"]').waitFor();
  assert.match((await rowTexts(page))[0]!, /^big\.jpg\s*Cancelled\s*Retry$/);
  await page.locator('#status', { hasText: '0 of 1 upload in the album, 1 cancelled.' }).waitFor();
  await screenshot(page, 'upload-test-narrow-cancelled');
  await held!.abort().catch(() => {
    // the page has given the request up already
  });
  assert.equal((await albumImages(album.id)).length, 0, 'nothing recorded');

  await page.getByRole('button', { name: 'Retry big.jpg' }).click();
  await waitForDone(page, 1);
  const ranges = chunkRanges(bytes.length);
  const id = requests[0]!.id;
  assert.deepEqual(
    requests,
    [ranges[0], ranges[1], ...ranges.slice(1)].map((range) => ({ id, range })),
    'the first chunk once, the cancelled one again, then the rest, under the same upload id',
  );
  assert.match((await rowTexts(page))[0]!, /^big\.jpg.*in the album$/);
  const images = await albumImages(album.id);
  assert.equal(images.length, 1);
  assert.ok((await original(images[0]!.id)).equals(bytes), 'the original is the file, byte for byte');
  await page.locator('#status', { hasText: 'All uploads are in the album.' }).waitFor();
  await page.close();
});
