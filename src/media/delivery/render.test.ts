import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp, { type Sharp } from 'sharp';
import { canServeOriginal, resolveOutputFormat } from './output-format.ts';
import { renderDerivative, type RenderOptions } from './render.ts';
import { parseTransformation, TransformationError } from './transformations.ts';

const RED = { r: 255, g: 0, b: 0 };
const BLUE = { r: 0, g: 0, b: 255 };
const GREEN = { r: 0, g: 255, b: 0 };

/** A `width`×`height` green image with a blue square at the top-left and a red one at `red`. */
async function picture(width: number, height: number, red: { left: number; top: number; size: number }): Promise<Sharp> {
  const square = (size: number, background: typeof RED) => ({
    input: { create: { width: size, height: size, channels: 3 as const, background } },
  });
  return sharp({ create: { width, height, channels: 3, background: GREEN } }).composite([
    { ...square(60, BLUE), left: 0, top: 0 },
    { ...square(red.size, RED), left: red.left, top: red.top },
  ]);
}

let jpeg: Buffer; // 600×400, red square at 500,150 (80 px)
let png: Buffer;

before(async () => {
  jpeg = await (await picture(600, 400, { left: 500, top: 150, size: 80 })).jpeg({ quality: 95 }).toBuffer();
  png = await (await picture(600, 400, { left: 500, top: 150, size: 80 })).png().toBuffer();
});

async function render(transformation: string, options: Partial<RenderOptions> = {}, input = jpeg) {
  const result = await renderDerivative(input, parseTransformation(transformation), { ext: 'jpg', ...options });
  const meta = await sharp(result.body).metadata();
  return { ...result, width: meta.width, height: meta.height, decoded: meta.format };
}

/** The colour at (x, y) of an encoded image, to the nearest primary. */
async function colourAt(body: Buffer, x: number, y: number): Promise<string> {
  const { data, info } = await sharp(body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  const [r = 0, g = 0, b = 0] = data.subarray(i, i + 3);
  if (r > 150 && g < 100 && b < 100) return 'red';
  if (b > 150 && r < 100 && g < 100) return 'blue';
  if (g > 150 && r < 100 && b < 100) return 'green';
  return `rgb(${r},${g},${b})`;
}

test('c_fit keeps the aspect ratio within the box', async () => {
  const out = await render('c_fit,h_300,w_300');
  assert.deepEqual([out.width, out.height], [300, 200]);
  assert.deepEqual([(await render('c_fit,w_1200')).width, (await render('c_fit,w_1200')).height], [1200, 800]);
});

test('c_limit never enlarges', async () => {
  const small = await render('c_limit,h_1000,w_1000');
  assert.deepEqual([small.width, small.height], [600, 400]);
  const shrunk = await render('c_limit,w_300');
  assert.deepEqual([shrunk.width, shrunk.height], [300, 200]);
});

test('c_fill covers exactly, with compass, auto and face gravity', async () => {
  const centre = await render('c_fill,h_100,w_100');
  assert.deepEqual([centre.width, centre.height], [100, 100]);
  assert.equal(await colourAt(centre.body, 50, 50), 'green');
  const auto = await render('c_fill,g_auto,h_100,w_100');
  assert.deepEqual([auto.width, auto.height], [100, 100]);
  const west = await render('c_fill,g_north_west,h_100,w_100');
  assert.equal(await colourAt(west.body, 5, 5), 'blue');
  const face = await render('c_fill,g_face,h_100,w_100', { faces: [[500, 150, 80, 80]] });
  assert.deepEqual([face.width, face.height], [100, 100]);
  assert.equal(await colourAt(face.body, 85, 47), 'red');
  // c_thumb is face-aware by default.
  const thumb = await render('c_thumb,h_50,w_50', { faces: [[500, 150, 80, 80]] });
  assert.equal(await colourAt(thumb.body, 42, 25), 'red');
});

test('c_scale stretches to both sides or keeps the aspect ratio with one', async () => {
  const both = await render('c_scale,h_100,w_100');
  assert.deepEqual([both.width, both.height], [100, 100]);
  const one = await render('w_300');
  assert.deepEqual([one.width, one.height], [300, 200]);
  const fraction = await render('c_scale,h_0.5');
  assert.deepEqual([fraction.width, fraction.height], [300, 200]);
  const ratio = await render('ar_1:1,c_scale,w_100');
  assert.deepEqual([ratio.width, ratio.height], [100, 100]);
});

test('c_crop cuts a region at x/y or by gravity without scaling', async () => {
  const region = await render('c_crop,h_80,w_80,x_500,y_150');
  assert.deepEqual([region.width, region.height], [80, 80]);
  assert.equal(await colourAt(region.body, 40, 40), 'red');
  const corner = await render('c_crop,g_north_west,h_50,w_50');
  assert.equal(await colourAt(corner.body, 25, 25), 'blue');
});

test('a_90 turns the image; within a component it follows the resize', async () => {
  const turned = await render('a_90');
  assert.deepEqual([turned.width, turned.height], [400, 600]);
  // Clockwise: the blue top-left corner goes to the top-right.
  assert.equal(await colourAt(turned.body, 390, 10), 'blue');
  const filledThenTurned = await render('c_fill,h_100,w_200,a_90');
  assert.deepEqual([filledThenTurned.width, filledThenTurned.height], [100, 200]);
  const diagonal = await render('a_45', { ext: 'png' }, png);
  assert.ok(Math.abs((diagonal.width ?? 0) - 707) <= 1 && Math.abs((diagonal.height ?? 0) - 707) <= 1);
  const chained = await render('a_45/c_fit,w_100');
  assert.equal(chained.width, 100);
  const mirrored = await render('a_hflip');
  assert.equal(await colourAt(mirrored.body, 590, 10), 'blue');
});

test('dpr multiplies the requested size', async () => {
  const out = await render('c_fit,dpr_2,h_100,w_100');
  assert.deepEqual([out.width, out.height], [200, 133]);
});

test('chained components apply in order', async () => {
  const out = await render('c_fill,h_200,w_200/c_scale,w_0.5/a_180');
  assert.deepEqual([out.width, out.height], [100, 100]);
  const faceAfterChain = await render('c_scale,w_300/c_fill,g_faces,h_50,w_50', { faces: [[500, 150, 80, 80]] });
  assert.equal(await colourAt(faceAfterChain.body, 42, 23), 'red');
});

test('the output format follows the extension unless f_ names one', async () => {
  for (const [ext, format] of [
    ['jpg', 'jpeg'],
    ['jpeg', 'jpeg'],
    ['png', 'png'],
    ['webp', 'webp'],
    ['avif', 'heif'],
    ['gif', 'gif'],
    ['tiff', 'tiff'],
  ] as const) {
    const out = await render('c_fit,w_64', { ext });
    assert.equal(out.decoded, format, ext);
    assert.equal(out.width, 64);
  }
  const forced = await render('c_fit,f_png,w_64', { ext: 'jpg' });
  assert.equal(forced.decoded, 'png');
  assert.equal(forced.contentType, 'image/png');
  await assert.rejects(render('w_10', { ext: 'bmp' }), TransformationError);
});

test('f_auto picks AVIF, then WebP, by Accept, else the extension', async () => {
  const modern = await render('c_fit,f_auto,w_64', { accept: 'image/avif,image/webp,image/apng,*/*;q=0.8' });
  assert.equal(modern.format, 'avif');
  assert.equal(modern.contentType, 'image/avif');
  assert.equal(modern.decoded, 'heif');
  const webp = await render('c_fit,f_auto,w_64', { accept: 'image/webp,*/*' });
  assert.equal(webp.decoded, 'webp');
  const old = await render('c_fit,f_auto,w_64', { accept: '*/*' });
  assert.equal(old.decoded, 'jpeg');
  const none = await render('c_fit,f_auto,w_64', { ext: 'png' });
  assert.equal(none.decoded, 'png');
  const refusedAvif = resolveOutputFormat(parseTransformation('f_auto'), 'jpg', 'image/avif;q=0, image/webp');
  assert.equal(refusedAvif, 'webp');
});

test('quality changes the encode', async () => {
  const low = await render('q_10');
  const high = await render('q_95');
  assert.ok(low.body.length < high.body.length);
});

test('an EXIF-rotated JPEG comes out upright', async () => {
  // Stored 600×400 with orientation 6: displayed turned 90° clockwise, 400 wide.
  const rotated = await (await picture(600, 400, { left: 500, top: 150, size: 80 }))
    .jpeg()
    .withMetadata({ orientation: 6 })
    .toBuffer();
  const plain = await render('', {}, rotated);
  assert.deepEqual([plain.width, plain.height], [400, 600]);
  assert.equal(await colourAt(plain.body, 390, 10), 'blue');
  const resized = await render('c_scale,w_200', {}, rotated);
  assert.deepEqual([resized.width, resized.height], [200, 300]);
  const ignored = await render('a_ignore', {}, rotated);
  assert.deepEqual([ignored.width, ignored.height], [600, 400]);
  // Faces are upright coordinates: the red square is at x 170..250, y 500..580 once turned.
  const face = await render('c_fill,g_face,h_100,w_100', { faces: [[170, 500, 80, 80]] }, rotated);
  assert.equal(await colourAt(face.body, 52, 85), 'red');
});

test('an EXIF-rotated JPEG resized and cut in one step is decoded apart from the cut, still upright', async () => {
  // Upright 400×600: blue at the top right (x 340..400, y 0..60), red at x 170..250, y 500..580.
  const rotated = await (await picture(600, 400, { left: 500, top: 150, size: 80 }))
    .jpeg()
    .withMetadata({ orientation: 6 })
    .toBuffer();
  // Scaled to 200×300 (blue at x 170..200, y 0..30; red at x 85..125, y 250..290), then cut.
  const north = await render('c_fill,g_north,h_100,w_200', {}, rotated);
  assert.deepEqual([north.width, north.height], [200, 100]);
  assert.equal(await colourAt(north.body, 195, 5), 'blue');
  assert.equal(await colourAt(north.body, 5, 5), 'green');
  const south = await render('c_fill,g_south,h_100,w_200', {}, rotated);
  assert.deepEqual([south.width, south.height], [200, 100]);
  assert.equal(await colourAt(south.body, 105, 70), 'red');
  assert.equal(await colourAt(south.body, 195, 5), 'green');
});

test('sizes computed at render time are bounded too', async () => {
  const tall = await sharp({ create: { width: 100, height: 400, channels: 3, background: GREEN } }).png().toBuffer();
  await assert.rejects(render('c_scale,w_4000', {}, tall), /exceeds/);
  await assert.rejects(render('c_fill,h_1,w_8000', {}, tall), /exceeds/);
  await assert.rejects(render('c_scale,w_8000/a_45', {}, jpeg), /exceeds/);
});

test('canServeOriginal only for an untransformed request in the stored format', () => {
  assert.ok(canServeOriginal(parseTransformation(''), 'jpg', 'jpeg'));
  assert.ok(canServeOriginal(parseTransformation('fl_attachment'), 'jpeg', 'jpeg'));
  assert.ok(!canServeOriginal(parseTransformation(''), 'png', 'jpeg'));
  assert.ok(!canServeOriginal(parseTransformation('q_auto'), 'jpg', 'jpeg'));
  assert.ok(!canServeOriginal(parseTransformation('w_10'), 'jpg', 'jpeg'));
  assert.ok(!canServeOriginal(parseTransformation(''), 'heic', 'jpeg'));
});

/** The exact RGBA at (x, y) of an encoded image. */
async function pixel(body: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * 4;
  return [...data.subarray(i, i + 4)];
}

test('c_pad, c_lpad and c_mpad fit and fill the rest with b_, placed by gravity', async () => {
  const padded = await render('b_rgb:ff0000,c_pad,g_north,h_300,w_300', { ext: 'png' }, png);
  assert.deepEqual([padded.width, padded.height], [300, 300]);
  // 600×400 fits as 300×200 at the top: the bottom band is the red background.
  assert.equal(await colourAt(padded.body, 150, 290), 'red');
  assert.equal(await colourAt(padded.body, 5, 5), 'blue');
  const limited = await render('c_lpad,h_1000,w_1000', { ext: 'png' }, png);
  assert.deepEqual([limited.width, limited.height], [1000, 1000]);
  assert.deepEqual((await pixel(limited.body, 500, 100)).slice(0, 3), [255, 255, 255], 'white padding by default, no enlargement');
  assert.equal(await colourAt(limited.body, 500, 500), 'green');
  // mpad only enlarges: 600×400 fits 700×500 as 700×467, padded above and below; a smaller box keeps it whole.
  const minimal = await render('c_mpad,h_500,w_700', { ext: 'png' }, png);
  assert.deepEqual([minimal.width, minimal.height], [700, 500]);
  assert.deepEqual((await pixel(minimal.body, 350, 5)).slice(0, 3), [255, 255, 255], 'padding above');
  assert.equal(await colourAt(minimal.body, 67, 30), 'blue', 'the 60 px blue square, enlarged to 70 px');
  const unshrunk = await render('c_mpad,h_100,w_100', { ext: 'png' }, png);
  assert.deepEqual([unshrunk.width, unshrunk.height], [600, 400]);
});

test('c_auto fills by content', async () => {
  const auto = await render('c_auto,h_100,w_100');
  assert.deepEqual([auto.width, auto.height], [100, 100]);
});

test('effects change the pixels as named: grayscale, negate, sepia, brightness, contrast, saturation, blur, sharpen, pixelate', async () => {
  const grey = await pixel((await render('e_grayscale', { ext: 'png' }, png)).body, 300, 300);
  assert.ok(grey[0] === grey[1] && grey[1] === grey[2], `grey ${grey}`);
  assert.deepEqual((await pixel((await render('e_negate', { ext: 'png' }, png)).body, 300, 300)).slice(0, 3), [255, 0, 255]);
  const sepia = await pixel((await render('e_sepia:100', { ext: 'png' }, png)).body, 300, 300);
  assert.ok(sepia[0]! > sepia[2]! && sepia[1]! > sepia[2]!, `sepia ${sepia}`);
  const dark = await pixel((await render('e_brightness:-50', { ext: 'png' }, png)).body, 300, 300);
  assert.ok(dark[1]! < 200, `darker ${dark}`);
  const flat = await pixel((await render('e_saturation:-100', { ext: 'png' }, png)).body, 300, 300);
  assert.ok(Math.abs(flat[0]! - flat[1]!) < 5, `desaturated ${flat}`);
  const contrast = await pixel((await render('e_contrast:-100', { ext: 'png' }, png)).body, 300, 300);
  assert.deepEqual(contrast.slice(0, 3), [128, 128, 128]);
  // Blur and pixelate mix the blue/green edge at x = 60; sharpen keeps the size.
  const edge = async (t: string) => pixel((await render(t, { ext: 'png' }, png)).body, 59, 30);
  assert.deepEqual((await edge('w_600')).slice(0, 3), [0, 0, 255]);
  assert.notDeepEqual((await edge('e_blur:300')).slice(0, 3), [0, 0, 255]);
  const blocks = await render('e_pixelate:40', { ext: 'png' }, png);
  assert.deepEqual(await pixel(blocks.body, 41, 1), await pixel(blocks.body, 79, 39), 'one 40 px block is one colour');
  assert.deepEqual([(await render('e_sharpen')).width], [600]);
});

test('blur_faces and pixelate_faces hide the known faces only', async () => {
  // The "face" is the red square with a green margin (one block of it mixes both); the rest must stay as it was.
  const faces = [[470, 120, 130, 140]];
  const blurred = await render('e_pixelate_faces:140', { ext: 'png', faces }, png);
  assert.notEqual(await colourAt(blurred.body, 505, 155), 'red');
  assert.equal(await colourAt(blurred.body, 300, 300), 'green');
  assert.equal(await colourAt(blurred.body, 5, 5), 'blue');
  const none = await render('e_blur_faces', { ext: 'png', faces: [] }, png);
  assert.equal(await colourAt(none.body, 540, 190), 'red');
  const blur = await render('e_blur_faces:2000', { ext: 'png', faces }, png);
  assert.notEqual(await colourAt(blur.body, 502, 152), 'red');
  // Faces follow a resize: at half size the square is at 250,75.
  const small = await render('w_300/e_pixelate_faces:70', { ext: 'png', faces }, png);
  assert.notEqual(await colourAt(small.body, 252, 77), 'red');
});

test('r_ rounds corners (transparent in PNG, the background in JPEG), bo_ adds a border, o_ sets opacity', async () => {
  const round = await render('r_50', { ext: 'png' }, png);
  assert.equal((await pixel(round.body, 0, 0))[3], 0);
  assert.equal((await pixel(round.body, 300, 200))[3], 255);
  const ellipse = await render('r_max', { ext: 'png' }, png);
  assert.equal((await pixel(ellipse.body, 20, 200))[3], 255);
  assert.equal((await pixel(ellipse.body, 20, 20))[3], 0);
  const jpegCorner = await render('b_black,r_50');
  assert.ok((await pixel(jpegCorner.body, 0, 0)).slice(0, 3).every((v) => v < 30));
  const bordered = await render('bo_10px_solid_red', { ext: 'png' }, png);
  assert.deepEqual([bordered.width, bordered.height], [620, 420]);
  assert.equal(await colourAt(bordered.body, 2, 2), 'red');
  assert.equal(await colourAt(bordered.body, 12, 12), 'blue');
  const faded = await render('o_50', { ext: 'png' }, png);
  assert.ok(Math.abs((await pixel(faded.body, 300, 300))[3]! - 128) <= 1);
});

test('opacity and corners on a greyscale image', async () => {
  const grey = await sharp({ create: { width: 50, height: 40, channels: 3, background: '#808080' } }).greyscale().png().toBuffer();
  const faded = await render('o_50/r_10', { ext: 'png' }, grey);
  assert.deepEqual([faded.width, faded.height], [50, 40]);
  assert.ok(Math.abs((await pixel(faded.body, 25, 20))[3]! - 128) <= 1);
  assert.equal((await pixel(faded.body, 0, 0))[3], 0);
});

test('l_text layers: font, size, colour, placed by gravity and offsets', async () => {
  const plan = parseTransformation('co_rgb:ff0000,g_north_west,l_text:DejaVu%20Sans_40_bold:Hi%2C%20you,x_10,y_20');
  const step = plan.steps[0]!;
  assert.equal(step.overlay?.source.kind, 'text');
  assert.deepEqual(step.overlay?.source.kind === 'text' && step.overlay.source.text, 'Hi, you');
  const out = await render('co_rgb:ff0000,g_north_west,l_text:Arial_40_bold:Hi%2C%20you,x_10,y_20', { ext: 'png' }, png);
  assert.deepEqual([out.width, out.height], [600, 400]);
  // The red text sits inside the blue square's area, 10 px in and 20 px down; the bottom right is untouched.
  const { data, info } = await sharp(out.body).raw().toBuffer({ resolveWithObject: true });
  let red = 0;
  for (let y = 20; y < 70; y++) for (let x = 10; x < 60; x++) if (data[(y * info.width + x) * info.channels]! > 200) red++;
  assert.ok(red > 50, `${red} red pixels of text`);
  assert.equal(await colourAt(out.body, 590, 390), 'green');
});

test('l_<public id> layers: transformed in their component or up to fl_layer_apply, cut at the edges', async () => {
  const logo = await sharp({ create: { width: 100, height: 100, channels: 3, background: RED } }).png().toBuffer();
  const loadOverlay = async (id: string) => (id === 'brand/logo' ? logo : null);
  const inline = await render('c_scale,g_south_east,l_brand:logo,w_50,x_5,y_5', { ext: 'png', loadOverlay }, png);
  assert.equal(await colourAt(inline.body, 600 - 5 - 25, 400 - 5 - 25), 'red');
  assert.equal(await colourAt(inline.body, 600 - 5 - 60, 400 - 5 - 25), 'green');
  const applied = await render('l_brand:logo/c_scale,w_20/fl_layer_apply,g_north', { ext: 'png', loadOverlay }, png);
  assert.equal(await colourAt(applied.body, 300, 10), 'red');
  assert.equal(await colourAt(applied.body, 300, 30), 'green');
  const edge = await render('g_east,l_brand:logo,x_-50', { ext: 'png', loadOverlay }, png);
  assert.equal(await colourAt(edge.body, 599, 200), 'red');
  await assert.rejects(render('l_nobody', { ext: 'png', loadOverlay }, png), /Overlay not found: l_nobody/);
  assert.throws(() => parseTransformation('l_a/l_b/fl_layer_apply'), TransformationError);
  assert.throws(() => parseTransformation('l_text:Arial:x'), /l_text/);
});
