import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TRANSFORMATION_LIMITS, parseTransformation, TransformationError } from './transformations.ts';

test('an empty transformation is an empty plan', () => {
  const plan = parseTransformation('');
  assert.deepEqual(plan.steps, []);
  assert.equal(plan.autoOrient, true);
  assert.equal(plan.attachment, false);
  assert.equal(plan.maxWidth, DEFAULT_TRANSFORMATION_LIMITS.maxWidth);
});

test('components become steps; quality, format and flags apply to the whole', () => {
  const plan = parseTransformation('c_fill,g_auto,h_200,w_200/a_90/dpr_2,f_auto,fl_attachment.progressive,q_auto:eco');
  assert.deepEqual(plan.steps, [
    { dpr: 1, crop: 'fill', gravity: 'auto', height: { value: 200, relative: false }, width: { value: 200, relative: false } },
    { dpr: 1, angle: 90 },
  ]);
  assert.equal(plan.format, 'auto');
  assert.equal(plan.quality, 'eco');
  assert.equal(plan.attachment, true);
  assert.equal(plan.progressive, true);
});

test('values: fractions, aspect ratios, gravities, angles, formats, quality', () => {
  const [step] = parseTransformation('ar_16:9,c_thumb,g_faces,w_0.5,dpr_1.5').steps;
  assert.deepEqual(step, {
    aspectRatio: 16 / 9,
    crop: 'thumb',
    gravity: 'faces',
    width: { value: 0.5, relative: true },
    dpr: 1.5,
  });
  assert.equal(parseTransformation('ar_1.5,c_fill,w_300').steps[0]?.aspectRatio, 1.5);
  assert.equal(parseTransformation('c_crop,g_north_east,h_10,w_10,x_0.25,y_5').steps[0]?.x?.relative, true);
  assert.equal(parseTransformation('a_-45').steps[0]?.angle, -45);
  assert.equal(parseTransformation('a_hflip').steps[0]?.mirror, 'horizontal');
  assert.equal(parseTransformation('a_ignore').autoOrient, false);
  assert.deepEqual(parseTransformation('a_ignore').steps, []);
  assert.equal(parseTransformation('f_jpg').format, 'jpeg');
  assert.equal(parseTransformation('q_auto').quality, 'good');
  assert.equal(parseTransformation('q_75').quality, 75);
});

test('unknown parameters and malformed values are refused', () => {
  for (const bad of [
    'e_cartoonify',
    'e_blur:5000',
    'e_grayscale:5',
    'b_notacolour',
    'bo_4px_dashed_red',
    'o_101',
    'r_abc',
    'w_abc',
    'w_0',
    'w_1.5',
    'w_-5',
    'h_',
    'w',
    'g_sky',
    'g_auto:subject',
    'a_abc',
    'a_720',
    'q_0',
    'q_101',
    'q_auto:great',
    'f_bmp',
    'fl_tiled',
    'dpr_0',
    'dpr_5',
    'dpr_auto',
    'ar_0',
    'ar_16:',
    'w_10,w_20',
    'x_10,w_10',
    'c_fill,w_10/',
    'c_fill,,w_10',
  ]) {
    assert.throws(() => parseTransformation(bad), TransformationError, bad);
  }
});

test('size limits: w_50000 and dpr pushing past the maximum are refused', () => {
  assert.throws(() => parseTransformation('c_scale,w_50000'), /exceeds/);
  assert.throws(() => parseTransformation('h_8001'), /exceeds/);
  assert.throws(() => parseTransformation('c_fit,w_3000,dpr_3'), /exceeds/);
  assert.doesNotThrow(() => parseTransformation('c_fit,w_8000,h_8000'));
  assert.throws(() => parseTransformation('w_200', { maxWidth: 100 }), /exceeds/);
});

test('chains of more than 10 components and too many params are refused', () => {
  const chain = (n: number) => Array.from({ length: n }, () => 'a_90').join('/');
  assert.equal(parseTransformation(chain(10)).steps.length, 10);
  assert.throws(() => parseTransformation(chain(11)), /Too many chained/);
  assert.throws(() => parseTransformation(chain(3), { maxComponents: 2 }), /Too many chained/);
  const wide = Array.from({ length: 9 }, () => 'c_fit,w_10,h_10').join('/');
  assert.throws(() => parseTransformation(wide), /Too many transformation parameters/);
  assert.equal(new TransformationError('x').statusCode, 400);
});

test('pad modes, background, effects, radius, border and opacity', () => {
  const [pad] = parseTransformation('b_rgb:ff000080,c_lpad,g_north,h_100,w_200').steps;
  assert.equal(pad?.crop, 'lpad');
  assert.deepEqual(pad?.background, { r: 255, g: 0, b: 0, alpha: 128 / 255 });
  assert.deepEqual(parseTransformation('e_sepia').steps[0]?.effect, { name: 'sepia', level: 80 });
  assert.deepEqual(parseTransformation('e_brightness:-20').steps[0]?.effect, { name: 'brightness', level: -20 });
  assert.deepEqual(parseTransformation('e_greyscale').steps[0]?.effect, { name: 'grayscale' });
  assert.deepEqual(parseTransformation('e_pixelate_faces:12').steps[0]?.effect, { name: 'pixelate_faces', level: 12 });
  assert.equal(parseTransformation('r_max').steps[0]?.radius, 'max');
  assert.deepEqual(parseTransformation('bo_3px_solid_black').steps[0]?.border, { width: 3, color: { r: 0, g: 0, b: 0, alpha: 1 } });
  assert.equal(parseTransformation('o_40').steps[0]?.opacity, 40);
  assert.equal(parseTransformation('c_auto,h_10,w_10').steps[0]?.crop, 'auto');
});
