/**
 * The album page in a real browser: the grid loads its thumbnails, a click opens the full
 * image in the lightbox, the keyboard drives both, a view counts once (not on a reload), and
 * the page works inside a cross-site iframe (where /upload_test refuses to be framed). At
 * 390 px and 1440 px: justified rows fill the width, the lightbox shows a photo's details,
 * swipes change photos, the download is the original's bytes, and axe-core finds nothing
 * serious. A 5,000-photo album loads its next pages as it scrolls, in the token's Sort.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { AxeResults } from 'axe-core';
import type { Kysely } from 'kysely';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import type { MediaDatabase } from '../../src/media/db/media-schema.ts';
import { chunked, MAX_PARAMETERS } from '../../src/repositories/chunks.ts';
import * as fixtures from '../fixtures/images.ts';
import { call, newTenant, startTestServer, tempDir, type Tenant, type TestServer, tokenWith } from '../helpers/server.ts';
import { storeImages } from '../helpers/stored-images.ts';
import { type AlbumJson, createAlbum, uploadToAlbum, waitForImages } from '../helpers/uploads.ts';
import { collectProblems, launchChromium, loadedImages, SCREENSHOTS, screenshot, skipWithoutChromium } from './chromium.ts';

let server: TestServer;
let tenant: Tenant;
let browser: Browser;
let album: AlbumJson;
/** The album's images as the API lists them: newest first, as the grid shows them. */
let images: Array<{ id: string; thumbnails: Record<string, string> }>;
/** The photo with every detail: EXIF camera, lens, capture time and GPS; a title, a description, tags. */
let detailed: { id: string; path: string };
/** An album of photos in several shapes, to lay out in rows. */
let shapes: AlbumJson;

/** What the detailed photo's lightbox must show. */
const DETAILS = {
  title: 'Eiffel Tower at noon',
  description: 'From the Trocadéro, after the rain.',
  tags: ['paris', 'summer'],
  Camera: 'AlbumTest Fixture Cam 1',
  Lens: 'Fixture 24-70mm F2.8',
  Dimensions: /^1200 × 800 px · \d+ kB$/,
  Taken: 'July 14, 2021 at 12:30:45 PM',
  Location: '48.85840° N, 2.29450° E',
};

/** The GPS fixture (camera, capture time, position) with a lens added to its EXIF. */
async function photoWithLens(dir: string): Promise<string> {
  const path = join(dir, 'eiffel.jpg');
  await sharp(await fixtures.jpegWithGps(dir))
    .keepExif()
    .withExifMerge({ IFD2: { LensModel: DETAILS.Lens } })
    .jpeg({ quality: 88 })
    .toFile(path);
  return path;
}

/** A JPEG of `width`×`height` with a diagonal gradient, so that rows are easy to tell apart in a screenshot. */
function gradient(width: number, height: number, from: string, to: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient></defs>
<rect width="100%" height="100%" fill="url(#g)"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
}

/** Landscape, portrait, square, panorama and in between. */
const SHAPES: Array<[number, number]> = [
  [600, 400], [400, 600], [500, 500], [900, 300], [640, 480], [480, 640], [800, 450], [450, 800], [700, 500],
  [600, 400], [400, 500], [1000, 400], [500, 500], [600, 400], [400, 600], [640, 360], [560, 420], [420, 560],
];
const COLOURS = ['#0b5cad', '#f59e0b', '#1a7f37', '#b42318', '#8e44ad', '#16a085', '#d35400', '#2c3e50', '#c0392b'];

before(async () => {
  if (skipWithoutChromium) return;
  server = await startTestServer();
  tenant = await newTenant(server);
  const dir = tempDir('album-page');
  album = await createAlbum(server, tenant.token, 'Holidays 2021');
  const withLens = await photoWithLens(dir);
  for (const file of [withLens, await fixtures.rotatedJpeg(dir), await fixtures.webp(dir)]) {
    assert.equal((await uploadToAlbum(album, file)).status, 200);
  }
  images = (await waitForImages(server, tenant.token, encodeURIComponent(album.id), 3)) as typeof images;
  detailed = { id: images[2]!.id, path: withLens };
  const edited = await call(server, 'PUT', `/api/v1/images/${detailed.id}`, {
    token: tenant.token,
    json: { image: { title: DETAILS.title, description: DETAILS.description } },
  });
  assert.equal(edited.status, 200, edited.text);
  for (const tag of DETAILS.tags) {
    assert.equal((await call(server, 'POST', `/api/v1/images/${detailed.id}/tags`, { token: tenant.token, form: { tag } })).status, 200);
  }

  shapes = await createAlbum(server, tenant.token, 'Shapes');
  for (const [i, [width, height]] of SHAPES.entries()) {
    const data = await gradient(width, height, COLOURS[i % COLOURS.length]!, COLOURS[(i + 4) % COLOURS.length]!);
    assert.equal((await uploadToAlbum(shapes, { name: `shape-${i}.jpg`, data })).status, 200);
  }
  await waitForImages(server, tenant.token, shapes.id, SHAPES.length);
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

const pageUrl = (albumId: string, token = tenant.token) =>
  `${server.url}/albums/${encodeURIComponent(albumId)}?token=${encodeURIComponent(token)}`;

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

/** The two viewports the issue names: a phone (3x, touch) and a laptop. */
const VIEWPORTS = [
  { name: '390', options: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true } },
  { name: '1440', options: { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false } },
] as const;

/** Each shown thumbnail's `srcset` candidate for this screen's density was the one loaded. */
async function densityCandidates(page: Page): Promise<boolean[]> {
  return page.$$eval('#grid img', (imgs) =>
    imgs.map((img) => {
      const image = img as HTMLImageElement;
      const density = `${Math.min(3, Math.ceil(window.devicePixelRatio))}x`;
      const wanted = image.srcset.split(', ').find((candidate) => candidate.endsWith(` ${density}`))!.split(' ')[0];
      return image.currentSrc === wanted;
    }),
  );
}

/** The grid as laid out: its box against the window's, and each list's rows. */
function layoutOf(page: Page) {
  return page.evaluate(() => {
    const grid = document.getElementById('grid')!;
    const main = getComputedStyle(grid.closest('main')!);
    const lists = Array.from(grid.querySelectorAll('ul.photos')).map((ul) => {
      const rows: Array<Array<{ left: number; right: number; width: number; height: number; ratio: number }>> = [];
      for (const li of Array.from(ul.children)) {
        const box = li.getBoundingClientRect();
        const img = li.querySelector('img')!;
        const item = {
          left: box.left,
          right: box.right,
          width: box.width,
          // (The link's box: a focused photo's image is scaled up by a transform.)
          height: li.querySelector('a')!.getBoundingClientRect().height,
          ratio: Number(img.getAttribute('width')) / Number(img.getAttribute('height')),
        };
        const row = rows.at(-1);
        // A photo right of the previous one is in its row; one back at the left starts a row.
        if (row && box.left > row.at(-1)!.left + 0.5) row.push(item);
        else rows.push([item]);
      }
      const style = getComputedStyle(ul);
      return { width: ul.getBoundingClientRect().width, gap: parseFloat(style.columnGap), target: parseFloat(style.getPropertyValue('--row')), rows };
    });
    return {
      window: document.documentElement.clientWidth,
      padding: parseFloat(main.paddingLeft) + parseFloat(main.paddingRight),
      grid: grid.getBoundingClientRect().width,
      lists,
    };
  });
}

/**
 * Asserts justified rows: each row but the last spans the list exactly, its photos at one
 * height and in their own shapes, rows near the target height; the last row, when it does
 * not fill the width, is at the target height (not stretched).
 */
function assertJustified(layout: Awaited<ReturnType<typeof layoutOf>>, label: string): void {
  assert.ok(Math.abs(layout.grid - (layout.window - layout.padding)) < 1, `${label}: the grid spans the window less the padding (${layout.grid} of ${layout.window})`);
  let fullRows = 0;
  for (const list of layout.lists) {
    assert.ok(Math.abs(list.width - layout.grid) < 1, `${label}: each day's list spans the grid`);
    list.rows.forEach((row, r) => {
      const height = row[0]!.height;
      for (const item of row) {
        assert.ok(Math.abs(item.height - height) < 1, `${label}: row ${r}'s photos share one height`);
        assert.ok(Math.abs(item.width / item.height / item.ratio - 1) < 0.03, `${label}: row ${r} keeps each photo's shape`);
      }
      assert.ok(height > list.target / 2 && height < list.target * 2, `${label}: row ${r} is ${height} px high, for ${list.target}`);
      const sum = row.reduce((total, item) => total + item.width, 0) + list.gap * (row.length - 1);
      if (r === list.rows.length - 1 && sum < list.width - 2) {
        assert.ok(Math.abs(height - list.target) < 1, `${label}: the last row is not stretched (${height} px, for ${list.target})`);
        return;
      }
      assert.ok(Math.abs(sum - list.width) < 2, `${label}: row ${r} fills the width (${sum} of ${list.width})`);
      assert.ok(Math.abs(row.at(-1)!.right - row[0]!.left - list.width) < 2, `${label}: row ${r} runs edge to edge`);
      fullRows += 1;
    });
  }
  assert.ok(fullRows >= 2, `${label}: several full rows (${fullRows})`);
}

/** Two frames: what a resize set off (the page's ResizeObserver) is laid out. */
const settled = (page: Page) => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));

/** The lightbox's details, as `{term: text}`, whitespace made plain. */
async function shownDetails(page: Page): Promise<{ details: Record<string, string>; tags: string[] }> {
  // (No functions declared inside: tsx names them with a helper the page does not have.)
  const shown = await page.evaluate(() => ({
    caption: document.getElementById('lightbox-caption')?.textContent ?? '',
    description: document.querySelector('#lightbox-details .details-description')?.textContent ?? '',
    rows: Array.from(document.querySelectorAll('#lightbox-details dl > div')).map((row) => [
      row.querySelector('dt')?.textContent ?? '',
      row.querySelector('dd')?.textContent ?? '',
    ]),
    tags: Array.from(document.querySelectorAll('#lightbox-details .tag-list li')).map((li) => li.textContent ?? ''),
  }));
  const plain = (text: string) => text.replace(/\s+/g, ' ').trim();
  const details: Record<string, string> = { caption: plain(shown.caption), description: plain(shown.description) };
  for (const [term, value] of shown.rows) details[plain(term!)] = plain(value!);
  return { details, tags: shown.tags.map(plain) };
}

const AXE_SOURCE = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical findings on the page as it is now (run through the DevTools protocol: the CSP admits no injected script). */
async function seriousFindings(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(await AXE_SOURCE);
  const results = await page.evaluate(() => (window as unknown as { axe: { run(): Promise<AxeResults> } }).axe.run());
  assert.ok(results.passes.length > 20, 'axe-core ran its rules');
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('the grid, the lightbox, the keyboard, and one view per viewer', { skip: skipWithoutChromium }, async () => {
  const before = await viewsOf(album.id);
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  const problems = collectProblems(page);
  await page.goto(pageUrl(album.id));

  // The grid: every thumbnail decoded, the srcset candidate of a 1x screen.
  assert.equal(await page.textContent('h1'), 'Holidays 2021');
  const widths = await loadedImages(page, '#grid img', 3);
  assert.ok(widths.every((w) => w > 0), `thumbnails decoded: ${widths}`);
  assert.deepEqual(await densityCandidates(page), [true, true, true]);
  assert.deepEqual(await page.$$eval('a.thumb', (links) => links.map((a) => (a as HTMLElement).dataset.imageId)), images.map((i) => i.id));
  // Two uploaded today without a capture time, then the GPS photo's day.
  assert.deepEqual(await page.$$eval('.day-title time', (times) => times.map((t) => t.getAttribute('datetime'))), [
    new Date().toISOString().slice(0, 10),
    '2021-07-14',
  ]);
  assert.equal(await page.textContent('.day:last-child .day-title'), 'Wednesday, July 14, 2021');
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
  // Tab goes round the viewer, both ways, as in a modal dialog.
  const focusInViewer = () => page.evaluate(() => document.getElementById('lightbox')!.contains(document.activeElement));
  for (const key of ['Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
    await page.keyboard.press(key);
    assert.ok(await focusInViewer(), `after ${key}, the focus is in the viewer`);
  }
  // The keys still work once a click on the photo has left the focus on nothing.
  await full.click();
  await page.keyboard.press('ArrowRight');
  assert.equal((await shown()).counter, '1 / 3');
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

test('at 390 px and 1440 px: justified rows fill the width, from the srcset candidate of the screen density; ArrowDown and ArrowUp change rows; each browser a viewer', { skip: skipWithoutChromium }, async () => {
  for (const [n, { name, options }] of VIEWPORTS.entries()) {
    const context = await browser.newContext({ ...options, userAgent: `browser ${name}` });
    const page = await context.newPage();
    const problems = collectProblems(page);
    await page.goto(pageUrl(shapes.id));
    await loadedImages(page, '#grid img', SHAPES.length);
    assertJustified(await layoutOf(page), `${name} px`);
    assert.ok((await densityCandidates(page)).every(Boolean), `${name} px: the ${options.deviceScaleFactor}x candidates`);
    await screenshot(page, `album-page-${name}`);

    // ArrowDown: to the nearest photo of the next row, ArrowUp back.
    await page.locator('a.thumb').first().focus();
    await page.keyboard.press('ArrowDown');
    const below = await page.evaluate(() => {
      const thumbs = Array.from(document.querySelectorAll('a.thumb'));
      return { index: thumbs.indexOf(document.activeElement!), top: document.activeElement!.getBoundingClientRect().top, first: thumbs[0]!.getBoundingClientRect().bottom };
    });
    assert.ok(below.index > 0 && below.top > below.first, `${name} px: ArrowDown moved to the next row`);
    await page.keyboard.press('ArrowUp');
    assert.equal(await activeThumbIndex(page), 0);

    // Laid out again when the window changes size.
    await page.setViewportSize({ width: options.viewport.width + 137, height: options.viewport.height });
    await settled(page);
    assertJustified(await layoutOf(page), `${name} px + 137`);
    assert.equal(await viewsOf(shapes.id), n + 1, 'another browser is another viewer');
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('the lightbox at 390 px and 1440 px: the photo’s details, swipes, and the download of the original', { skip: skipWithoutChromium }, async () => {
  for (const { name, options } of VIEWPORTS) {
    const context: BrowserContext = await browser.newContext(options);
    const page = await context.newPage();
    const problems = collectProblems(page);
    await page.goto(pageUrl(album.id));
    await loadedImages(page, '#grid img', 3);
    await page.locator(`a.thumb[data-image-id="${detailed.id}"]`).click();
    await page.locator('dialog#lightbox').waitFor({ state: 'visible' });
    await page.waitForFunction(() => (document.getElementById('lightbox-image') as HTMLImageElement).naturalWidth > 0);
    const { details, tags } = await shownDetails(page);
    assert.equal(details.caption, DETAILS.title);
    assert.equal(details.description, DETAILS.description);
    assert.deepEqual(tags, DETAILS.tags);
    for (const term of ['Camera', 'Lens', 'Taken', 'Location'] as const) assert.equal(details[term], DETAILS[term], term);
    assert.match(details.Dimensions!, DETAILS.Dimensions);
    assert.equal(details.File, 'eiffel.jpg');
    assert.equal(await page.textContent('#lightbox-counter'), '3 / 3');
    await screenshot(page, `album-page-lightbox-${name}`);

    // Swipe left for the next photo (wrapping: all three are here), right to come back: a
    // finger on the phone, a mouse drag on the laptop; neither closes the dialog.
    const box = (await page.locator('#lightbox-image').boundingBox())!;
    const y = box.y + box.height / 2;
    const swipe = async (from: number, to: number) => {
      if (options.hasTouch) {
        const cdp = await context.newCDPSession(page);
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: from, y }] });
        for (let step = 1; step <= 6; step++) {
          await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: from + ((to - from) * step) / 6, y }] });
        }
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
        await cdp.detach();
      } else {
        await page.mouse.move(from, y);
        await page.mouse.down();
        await page.mouse.move(to, y, { steps: 6 });
        await page.mouse.up();
      }
    };
    const left = box.x + box.width * 0.2;
    const right = box.x + box.width * 0.8;
    await swipe(right, left);
    await page.waitForFunction(() => document.getElementById('lightbox-counter')!.textContent === '1 / 3');
    assert.equal(await page.getAttribute('#lightbox-image', 'src'), images[0]!.thumbnails.full);
    await swipe(left, right);
    await page.waitForFunction(() => document.getElementById('lightbox-counter')!.textContent === '3 / 3');
    assert.ok(await page.locator('dialog#lightbox').isVisible(), 'still open');

    // The download: the very bytes uploaded, under the file's name.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download original' }).click()]);
    assert.equal(download.suggestedFilename(), 'eiffel.jpg');
    assert.deepEqual(await readFile((await download.path())!), await readFile(detailed.path), `${name} px: the original's bytes`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('axe-core: no serious or critical findings on the grid or in the lightbox, at 390 px and 1440 px', { skip: skipWithoutChromium }, async () => {
  for (const { name, options } of VIEWPORTS) {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    await page.goto(pageUrl(album.id));
    await loadedImages(page, '#grid img', 3);
    assert.deepEqual(await seriousFindings(page), [], `${name} px: the grid`);
    await page.locator(`a.thumb[data-image-id="${detailed.id}"]`).click();
    await page.locator('dialog#lightbox').waitFor({ state: 'visible' });
    assert.deepEqual(await seriousFindings(page), [], `${name} px: the lightbox`);
    await context.close();
  }
});

/** Waits until the thumbnails in the window have their pixels (a screenshot of the window only: the page is 5,000 photos long). */
async function inViewLoaded(page: Page, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    () =>
      Array.from(document.querySelectorAll<HTMLImageElement>('#grid img'))
        .filter((img) => img.getBoundingClientRect().bottom > 0 && img.getBoundingClientRect().top < window.innerHeight)
        .every((img) => img.complete && img.naturalWidth > 0),
    undefined,
    { timeout },
  );
}

/**
 * `count` photos in a new album in seconds: rows and files by storeImages (as the ZIP scale
 * test makes them), each made deliverable by a media host record that shares the stored file
 * of one of three uploaded photos (landscape, portrait, square), with that photo's shape.
 * Capture days advance every `perDay` photos, so that the page has several days.
 */
async function bulkAlbum(count: number, perDay: number): Promise<{ album: AlbumJson; ids: string[] }> {
  const sources = await createAlbum(server, tenant.token);
  const shapesOf: Array<[number, number]> = [[600, 400], [400, 600], [480, 480]];
  for (const [i, [width, height]] of shapesOf.entries()) {
    assert.equal((await uploadToAlbum(sources, { name: `source-${i}.jpg`, data: await gradient(width, height, COLOURS[i]!, COLOURS[i + 3]!) })).status, 200);
  }
  const uploaded = await waitForImages(server, tenant.token, sources.id, shapesOf.length);
  const media = server.db.kysely as unknown as Kysely<MediaDatabase>;
  const assets = await Promise.all(
    shapesOf.map((_, i) =>
      media
        .selectFrom('media_assets')
        .selectAll()
        .where('public_id', '=', uploaded.find((image) => image.filename === `source-${i}.jpg`)!.public_id as string)
        .executeTakeFirstOrThrow(),
    ),
  );
  const big = await createAlbum(server, tenant.token);
  const stored = await storeImages(server.db, join(server.dataDir, 'media'), {
    organizationId: tenant.organizationId,
    albumPublicId: big.id,
    count,
    size: () => 64,
    name: (i) => `IMG_${String(i).padStart(4, '0')}.jpg`,
  });
  const records = stored.map((image, i) => ({
    ...assets[i % assets.length]!,
    type: 'authenticated',
    public_id: image.publicId,
    asset_id: randomBytes(16).toString('hex'),
  }));
  const perInsert = Math.floor(MAX_PARAMETERS / Object.keys(records[0]!).length);
  for (const piece of chunked(records, perInsert)) await media.insertInto('media_assets').values(piece).execute();
  // One update per shape and day.
  const groups = new Map<string, string[]>();
  stored.forEach((image, i) => {
    const key = `${i % shapesOf.length}/${Math.floor(i / perDay)}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(image.id);
  });
  for (const [key, ids] of groups) {
    const [shape, day] = key.split('/').map(Number) as [number, number];
    const [width, height] = shapesOf[shape]!;
    const takenAt = new Date(Date.UTC(2024, 4, 1 + day, 9)).toISOString().slice(0, 19);
    for (const piece of chunked(ids)) {
      await server.db.kysely.updateTable('images').set({ width, height, original_width: width, original_height: height, taken_at: takenAt }).where('id', 'in', piece).execute();
    }
  }
  return { album: big, ids: stored.map((image) => image.id) };
}

test('5,000 photos in a token’s Sort: the next pages load as the page scrolls, in order, by day, and it stays responsive', { skip: skipWithoutChromium }, async () => {
  const COUNT = 5_000;
  const PER_DAY = 800;
  const { album: big, ids } = await bulkAlbum(COUNT, PER_DAY);
  // Oldest upload first: the order storeImages made them in.
  const token = await tokenWith(server, tenant.userId, {
    [big.id]: { Access: { see: true, image_list: true }, Sort: { field: 'created_at', order: 'asc' } },
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const problems = collectProblems(page);
  // Main-thread tasks over 50 ms, as the browser reports them (an init script is no page script: the CSP does not apply).
  await page.addInitScript(() => {
    const tasks: number[] = [];
    (window as unknown as { longTasks: number[] }).longTasks = tasks;
    new PerformanceObserver((list) => list.getEntries().forEach((entry) => tasks.push(entry.duration))).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(pageUrl(big.id, token));
  const shownIds = () => page.$$eval('a.thumb', (links) => links.map((a) => (a as HTMLElement).dataset.imageId!));
  // (The next page may already be coming: the end of the first is near enough.)
  const first = await shownIds();
  assert.ok(first.length >= 60);
  assert.deepEqual(first, ids.slice(0, first.length), 'the first page, in the Sort');
  assert.match((await page.textContent('.pager-status')) ?? '', /^Photos 1–(60|120) of 5,000$/);
  await inViewLoaded(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'album-page-5000-top.png') });

  // Scroll to the end again and again: each time the next page arrives before long.
  const started = performance.now();
  const waits: number[] = [];
  for (let shown = 60; shown < COUNT; ) {
    const asked = performance.now();
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.waitForFunction((n) => document.querySelectorAll('a.thumb').length > n, shown, { timeout: 15_000 });
    waits.push(performance.now() - asked);
    shown = await page.locator('a.thumb').count();
  }
  const elapsed = performance.now() - started;
  assert.deepEqual(await shownIds(), ids, 'every photo once, in the Sort, across the pages');
  const days = await page.$$eval('#grid > section.day', (sections) => sections.map((s) => (s as HTMLElement).dataset.day));
  assert.deepEqual(days, Array.from({ length: Math.ceil(COUNT / PER_DAY) }, (_, d) => `2024-05-0${1 + d}`), 'a day continued on the next page is merged');
  assert.equal(await page.locator('nav.pager a[rel="next"]').count(), 0);
  assert.equal(await page.textContent('.pager-status'), `Photos 1–${COUNT.toLocaleString('en')} of ${COUNT.toLocaleString('en')}`);
  // The browser cannot take back the thumbnails it asked for near each position scrolled past
  // (a few thousand distinct derivatives, each rendered cold here): the end's wait behind them.
  await inViewLoaded(page, 300_000);
  await page.screenshot({ path: join(SCREENSHOTS, 'album-page-5000-end.png') });

  // Responsive with every photo on the page: the lightbox opens on the last, and wraps.
  // (Timed in the page: from the click to the frame after the one that shows the lightbox.)
  const openMs = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const started = performance.now();
        (document.querySelector('.day:last-child li:last-child a.thumb') as HTMLElement).click();
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - started)));
      }),
  );
  assert.equal(await page.textContent('#lightbox-counter'), `${COUNT} / ${COUNT}`);
  assert.match((await page.textContent('#lightbox-details')) ?? '', /IMG_4999\.jpg/, 'the details came with the page');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.textContent('#lightbox-counter'), `1 / ${COUNT}`);
  const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  const longest = Math.max(0, ...longTasks);
  console.log(
    `5,000 photos: ${waits.length} pages in ${(elapsed / 1000).toFixed(1)} s (slowest ${Math.max(...waits).toFixed(0)} ms), ` +
      `lightbox ${openMs.toFixed(0)} ms, ${longTasks.length} long tasks (longest ${longest.toFixed(0)} ms)`,
  );
  // Bounds for a loaded two-core machine, where a page's append (parse, rows, layout) takes
  // 10 to 50 ms at any depth but a starved browser can stretch any task tenfold (the log line
  // above has the figures). Opening the lightbox restyled the whole page when it was a modal
  // dialog: seconds, with 5,000 photos.
  assert.ok(openMs < 1_500, `the lightbox showed in ${openMs.toFixed(0)} ms`);
  assert.ok(longest < 2_000, `no main-thread task took long (longest ${longest.toFixed(0)} ms)`);
  assert.equal(await viewsOf(big.id), 1, 'the pages the script loaded were no further views');
  assert.deepEqual(problems, []);
  await context.close();
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
