/**
 * /upload_test in a real browser: a token from the link, an album created from the page,
 * three files uploaded straight to the album's form with a progress bar each, and their
 * thumbnails appearing (and loading) as the notifications land.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import * as fixtures from '../fixtures/images.ts';
import { call, newTenant, startTestServer, tempDir, type Tenant, type TestServer, tokenWith } from '../helpers/server.ts';
import { createAlbum } from '../helpers/uploads.ts';
import { collectProblems, launchChromium, loadedImages, screenshot, skipWithoutChromium } from './chromium.ts';

let server: TestServer;
let tenant: Tenant;
let browser: Browser;
let files: string[];

before(async () => {
  if (skipWithoutChromium) return;
  server = await startTestServer();
  tenant = await newTenant(server);
  const dir = tempDir('upload-page');
  files = [await fixtures.jpegWithGps(dir), await fixtures.pngWithAlpha(dir), await fixtures.webp(dir)];
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
