/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser). When
 * /usr/bin/chromium is absent the browser tests say so loudly and are skipped, nothing else.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type ConsoleMessage, type Page, chromium } from 'playwright-core';
import { TEST_OUTPUT } from '../helpers/server.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** `skip` option for every browser test: false when Chromium is there, else the reason. */
export const skipWithoutChromium: string | false = existsSync(CHROMIUM_PATH)
  ? false
  : `Chromium not installed at ${CHROMIUM_PATH}`;

if (skipWithoutChromium) {
  const line = '!'.repeat(78);
  console.error(
    [
      '',
      line,
      `!!  BROWSER TESTS SKIPPED: Chromium not installed at ${CHROMIUM_PATH}`,
      '!!  Install it with:  apt-get install -y chromium',
      '!!  (the /upload_test and album page browser tests did NOT run)',
      line,
      '',
    ].join('\n'),
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

export const SCREENSHOTS = join(TEST_OUTPUT, 'screenshots');

/** Saves a full-page screenshot under .test-output/screenshots/ and prints its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}

/**
 * Collects what would show in the page's console as a problem: script errors, failed loads,
 * and Content-Security-Policy violations (which the browser reports as console errors).
 */
export function collectProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message: ConsoleMessage) => {
    // Failed loads are reported below with their URL.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  page.on('requestfailed', (request) => problems.push(`failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`));
  return problems;
}

/** Waits until every `<img>` matched by `selector` has loaded with real pixels; returns their natural widths. */
export async function loadedImages(page: Page, selector: string, count: number): Promise<number[]> {
  await page.waitForFunction(
    ({ selector, count }) => {
      const images = Array.from(document.querySelectorAll<HTMLImageElement>(selector));
      return images.length === count && images.every((img) => img.complete && img.naturalWidth > 0);
    },
    { selector, count },
    { timeout: 20_000 },
  );
  return page.$$eval(selector, (images) => images.map((img) => (img as HTMLImageElement).naturalWidth));
}
