import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as fixtures from '../../../test/fixtures/images.ts';
import { GPS_FIXTURE, PIXEL_BOMB_SIZE } from '../../../test/fixtures/images.ts';
import {
  analyzeImage,
  hammingDistance,
  ImageRejectedError,
  type ImageAnalysis,
  type ImageRejectionReason,
} from './analyze-image.ts';

const MAX_PIXELS = 50_000_000;

let dir: string;
const paths: Record<string, string> = {};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'analyze-image-'));
  paths.gps = await fixtures.jpegWithGps(dir);
  paths.nearDuplicate = await fixtures.nearDuplicate(dir, paths.gps);
  paths.rotated = await fixtures.rotatedJpeg(dir);
  paths.alpha = await fixtures.pngWithAlpha(dir);
  paths.webp = await fixtures.webp(dir);
  paths.red = await fixtures.mostlyRedPhoto(dir);
  paths.solidRed = await fixtures.solidColor(dir, '#ff0000');
  paths.large = await fixtures.largeJpeg12mp(dir);
  paths.text = await fixtures.textFile(dir);
  paths.empty = await fixtures.emptyFile(dir);
  paths.truncated = await fixtures.truncatedJpeg(dir);
  paths.bomb = await fixtures.pixelBomb(dir);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function analyze(name: string, faces = false): Promise<ImageAnalysis> {
  const path = paths[name];
  assert.ok(path, `fixture ${name}`);
  return analyzeImage(path, { maxPixels: MAX_PIXELS, faces });
}

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

function sumOf(shares: Array<[string, number]>): number {
  return shares.reduce((s, [, p]) => s + p, 0);
}

async function rejection(path: string, maxPixels = MAX_PIXELS): Promise<ImageRejectedError> {
  try {
    await analyzeImage(path, { maxPixels });
  } catch (error) {
    assert.ok(error instanceof ImageRejectedError, `expected ImageRejectedError, got ${String(error)}`);
    return error;
  }
  assert.fail(`${path} was accepted`);
}

describe('analyzeImage: format and dimensions', () => {
  test('a plain JPEG', async () => {
    const a = await analyze('gps');
    assert.equal(a.format, 'jpg');
    assert.deepEqual([a.width, a.height, a.storedWidth, a.storedHeight], [1200, 800, 1200, 800]);
    assert.equal(a.orientation, 1);
    assert.equal(a.hasAlpha, false);
    assert.equal(a.pages, 1);
  });

  test('EXIF orientation 6: upright dimensions are the stored ones swapped', async () => {
    const a = await analyze('rotated');
    assert.equal(a.orientation, 6);
    assert.deepEqual([a.storedWidth, a.storedHeight], [600, 400]);
    assert.deepEqual([a.width, a.height], [400, 600]);
  });

  test('WebP and PNG with alpha', async () => {
    const webp = await analyze('webp');
    assert.deepEqual([webp.format, webp.width, webp.height, webp.hasAlpha], ['webp', 640, 480, false]);
    const png = await analyze('alpha');
    assert.deepEqual([png.format, png.width, png.height, png.hasAlpha], ['png', 400, 300, true]);
  });
});

describe('analyzeImage: colours', () => {
  test('a solid red image is 100 % #FF0000 and "red"', async () => {
    const a = await analyze('solidRed');
    assert.deepEqual(a.colors, [['#FF0000', 100]]);
    assert.deepEqual(a.predominant.google, [['red', 100]]);
  });

  test('a mostly red photo lists a red colour first', async () => {
    const a = await analyze('red');
    const [first] = a.colors;
    assert.ok(first);
    const [r, g, b] = rgb(first[0]);
    assert.ok(r > 150 && g < 90 && b < 90, `first colour ${first[0]} is not red`);
    assert.equal(a.predominant.google[0]?.[0], 'red');
  });

  test('percentages: hex format, one decimal, sorted descending, summing to ~100', async () => {
    for (const name of ['gps', 'webp', 'large', 'alpha']) {
      const a = await analyze(name);
      assert.ok(a.colors.length >= 1 && a.colors.length <= 8, `${name}: ${a.colors.length} colours`);
      for (const [hex, percent] of a.colors) {
        assert.match(hex, /^#[0-9A-F]{6}$/);
        assert.equal(Math.round(percent * 10) / 10, percent);
      }
      const percents = a.colors.map(([, p]) => p);
      assert.deepEqual(percents, [...percents].sort((x, y) => y - x));
      assert.ok(Math.abs(sumOf(a.colors) - 100) <= 0.5, `${name} colours sum to ${sumOf(a.colors)}`);
      assert.ok(Math.abs(sumOf(a.predominant.google) - 100) <= 0.5, `${name} names sum to ${sumOf(a.predominant.google)}`);
    }
  });

  test('fully transparent pixels are ignored', async () => {
    // The disc covers ~38 % of the canvas; were the transparent rest counted, it would come first.
    const a = await analyze('alpha');
    const [first] = a.colors;
    assert.ok(first);
    const [r, g, b] = rgb(first[0]);
    assert.ok(g > 120 && r < 80 && b < 100, `first colour ${first[0]} is not the green disc`);
    assert.ok(first[1] > 85, `green share ${first[1]}`);
    assert.equal(a.predominant.google[0]?.[0], 'green');
  });
});

describe('analyzeImage: embedded metadata', () => {
  test('GPS, capture time and tags of the GPS fixture', async () => {
    const a = await analyze('gps');
    assert.ok(a.gps);
    assert.ok(Math.abs(a.gps[0] - GPS_FIXTURE.lat) < 1e-4, `lat ${a.gps[0]}`);
    assert.ok(Math.abs(a.gps[1] - GPS_FIXTURE.lng) < 1e-4, `lng ${a.gps[1]}`);
    assert.equal(a.takenAt, GPS_FIXTURE.takenAt);
    assert.equal(a.imageMetadata.Make, GPS_FIXTURE.make);
    assert.equal(a.imageMetadata.Model, GPS_FIXTURE.model);
    assert.equal(a.imageMetadata.DateTimeOriginal, GPS_FIXTURE.dateTimeOriginal);
    assert.equal(a.imageMetadata.GPSLatitude, `48 deg 51' 30.24" N`);
    for (const [key, value] of Object.entries(a.imageMetadata)) assert.equal(typeof value, 'string', key);
  });

  test('an image without EXIF has no GPS and no capture time', async () => {
    const a = await analyze('webp');
    assert.equal(a.gps, null);
    assert.equal(a.takenAt, null);
  });
});

describe('analyzeImage: perceptual hash', () => {
  test('a resized, recompressed copy is within distance 4', async () => {
    const [original, copy] = await Promise.all([analyze('gps'), analyze('nearDuplicate')]);
    assert.match(original.phash, /^[0-9a-f]{16}$/);
    const distance = hammingDistance(original.phash, copy.phash);
    assert.ok(distance <= 4, `near-duplicate distance ${distance}`);
  });

  test('different photos are further apart than 15', async () => {
    const names = ['gps', 'webp', 'large', 'red', 'rotated', 'alpha'];
    const hashes = await Promise.all(names.map(async (name) => [name, (await analyze(name)).phash] as const));
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++) {
        const distance = hammingDistance(hashes[i]![1], hashes[j]![1]);
        assert.ok(distance > 15, `${hashes[i]![0]} vs ${hashes[j]![0]}: distance ${distance}`);
      }
    }
  });

  test('hammingDistance counts differing bits and refuses malformed hashes', () => {
    assert.equal(hammingDistance('0123456789abcdef', '0123456789abcdef'), 0);
    assert.equal(hammingDistance('0000000000000000', 'ffffffffffffffff'), 64);
    assert.equal(hammingDistance('0000000000000000', '8000000000000001'), 2);
    assert.throws(() => hammingDistance('abc', '0000000000000000'), TypeError);
  });
});

describe('analyzeImage: rejections', () => {
  const cases: Array<[string, ImageRejectionReason]> = [
    ['empty', 'empty'],
    ['text', 'not_an_image'],
    ['truncated', 'corrupt'],
    ['bomb', 'too_many_pixels'],
  ];
  for (const [name, reason] of cases) {
    test(`${name} → ${reason}`, async () => {
      const error = await rejection(paths[name]!);
      assert.equal(error.reason, reason);
      assert.ok(error.message.length > 0);
    });
  }

  // How long the refusal takes (it never decodes the 900 megapixels) is measured by bench/ingest.bench.ts.
  test('the pixel bomb is refused with the size its header declares', async () => {
    const error = await rejection(paths.bomb!);
    assert.ok(error.message.includes(`${PIXEL_BOMB_SIZE.width}×${PIXEL_BOMB_SIZE.height}`), error.message);
  });

  test('maxPixels is the caller’s limit, not a fixed one', async () => {
    const error = await rejection(paths.gps!, 1200 * 800 - 1);
    assert.equal(error.reason, 'too_many_pixels');
    await analyzeImage(paths.gps!, { maxPixels: 1200 * 800 });
  });
});

const facePhoto = fixtures.facePhoto();

describe('analyzeImage: faces', { skip: facePhoto ? false : '@vladmandic/human is not installed' }, () => {
  /** The five large portraits of the screenshot: top edge near y = 350, about 130 px wide. */
  function portraits(faces: ImageAnalysis['faces']): ImageAnalysis['faces'] {
    return faces.filter(([, y, w]) => y > 300 && y < 400 && w > 100).sort((a, b) => a[0] - b[0]);
  }

  test('finds the five portraits in a real photo', async () => {
    const a = await analyzeImage(facePhoto!, { maxPixels: MAX_PIXELS, faces: true });
    assert.equal(portraits(a.faces).length, 5, JSON.stringify(a.faces));
    for (const [x, y, w, h] of a.faces) {
      assert.ok(x >= 0 && y >= 0 && x + w <= a.width && y + h <= a.height, `box ${[x, y, w, h]} outside the image`);
    }
  });

  test('boxes are in upright coordinates for an EXIF-rotated file', async () => {
    const rotated = await fixtures.rotatedFacePhoto(dir);
    assert.ok(rotated);
    const [upright, stored] = await Promise.all([
      analyzeImage(facePhoto!, { maxPixels: MAX_PIXELS, faces: true }),
      analyzeImage(rotated, { maxPixels: MAX_PIXELS, faces: true }),
    ]);
    assert.deepEqual([stored.width, stored.height], [upright.width, upright.height]);
    const expected = portraits(upright.faces);
    const actual = portraits(stored.faces);
    assert.equal(actual.length, expected.length, JSON.stringify(stored.faces));
    actual.forEach((box, i) => box.forEach((v, k) => assert.ok(Math.abs(v - expected[i]![k]!) <= 6, `${box} vs ${expected[i]}`)));
    assert.ok(hammingDistance(upright.phash, stored.phash) <= 4, 'the pHash is taken on the upright image');
  });

  test('faces: false skips detection', async () => {
    const a = await analyzeImage(facePhoto!, { maxPixels: MAX_PIXELS, faces: false });
    assert.deepEqual(a.faces, []);
  });
});
