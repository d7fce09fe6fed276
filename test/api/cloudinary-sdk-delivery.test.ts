/**
 * Delivery URLs exactly as the official SDK builds them, served by the embedded host: no
 * extension (the stored format), any version, folders behind the SDK's `v1`, SHA-1, SHA-256
 * and long signatures, `fl_` flags, named transformations, effects, corners, padding and
 * opacity checked pixel by pixel, and a clear 400 naming whatever parameter the host does
 * not support.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { imageFile, type SdkHarness, startSdkHarness } from '../helpers/cloudinary-sdk.ts';
import { tempDir } from '../helpers/server.ts';

let h: SdkHarness;
let dir: string;
let png: { public_id: string; version: number };
let foldered: { public_id: string; version: number };

before(async () => {
  h = await startSdkHarness();
  dir = tempDir('sdk-delivery');
  png = await h.cloudinary.uploader.upload(await imageFile(dir, 'plain', 640, 480, 'png'), { public_id: 'plain' });
  foldered = await h.cloudinary.uploader.upload(await imageFile(dir, 'deep', 400, 300), {
    public_id: 'trips/2026/deep',
    type: 'authenticated',
  });
});
after(() => h.server.stop());

test('without a format the stored format is served, resized as asked', async () => {
  const url = h.cloudinary.url(png.public_id, { width: 200, height: 100, crop: 'fill' });
  assert.doesNotMatch(new URL(url).pathname, /\.\w+$/);
  const image = await h.fetchImage(url);
  assert.equal(image.status, 200);
  assert.deepEqual([image.width, image.height, image.format], [200, 100, 'png']);
  const original = await h.fetchImage(h.cloudinary.url(png.public_id));
  assert.deepEqual([original.width, original.height, original.format], [640, 480, 'png']);
  const asJpeg = await h.fetchImage(h.cloudinary.url(png.public_id, { format: 'jpg', width: 64, crop: 'scale' }));
  assert.deepEqual([asJpeg.width, asJpeg.height, asJpeg.format], [64, 48, 'jpeg']);
});

test('any version serves the asset: the SDK puts v1 before a folder, a stale version is only a cache buster', async () => {
  const signed = { sign_url: true, type: 'authenticated' } as const;
  const v1 = h.cloudinary.url(foldered.public_id, { ...signed, width: 100, crop: 'scale' });
  assert.match(v1, /\/v1\/trips\/2026\/deep/);
  assert.deepEqual([(await h.fetchImage(v1)).width, (await h.fetchImage(v1)).height], [100, 75]);
  const older = h.cloudinary.url(foldered.public_id, { ...signed, version: foldered.version - 100, width: 100, crop: 'scale' });
  assert.equal((await h.fetchImage(older)).status, 200);
  const latest = h.cloudinary.url(foldered.public_id, { ...signed, version: foldered.version, format: 'webp' });
  assert.equal((await h.fetchImage(latest)).format, 'webp');
});

test('SHA-256 and long (32-character) signatures verify; a changed URL does not', async () => {
  for (const options of [{ signature_algorithm: 'sha256' }, { long_url_signature: true }, {}] as const) {
    const url = h.cloudinary.url(foldered.public_id, { sign_url: true, type: 'authenticated', width: 50, crop: 'scale', ...options });
    const length = 'long_url_signature' in options ? 32 : 8;
    assert.match(url, new RegExp(`/s--[\\w-]{${length}}--/`));
    const image = await h.fetchImage(url);
    assert.equal(image.status, 200, url);
    assert.equal(image.width, 50);
    const tampered = await h.fetchImage(url.replace('w_50', 'w_51'));
    assert.equal(tampered.status, 400);
    assert.deepEqual(JSON.parse(tampered.body.toString()), { error: { message: 'Invalid url' } });
  }
  const unsigned = h.cloudinary.url(foldered.public_id, { type: 'authenticated', width: 50, crop: 'scale' });
  assert.equal((await h.fetchImage(unsigned)).status, 400);
});

test('fl_ flags the SDK emits: attachment (with a name), progressive, keep_iptc, png8, immutable_cache', async () => {
  const download = await h.fetchImage(h.cloudinary.url(png.public_id, { flags: 'attachment:holiday', format: 'jpg' }));
  assert.equal(download.status, 200);
  assert.equal(download.headers.get('content-disposition'), 'attachment; filename="holiday.jpg"');
  const progressive = await h.fetchImage(h.cloudinary.url(png.public_id, { flags: ['progressive', 'immutable_cache'], format: 'jpg', width: 100, crop: 'scale' }));
  assert.equal(progressive.status, 200);
  assert.equal(progressive.format, 'jpeg');
  const palette = await h.fetchImage(h.cloudinary.url(png.public_id, { flags: 'png8', width: 100, crop: 'scale' }));
  assert.equal(palette.format, 'png');
  assert.equal((await h.fetchImage(h.cloudinary.url(png.public_id, { flags: 'keep_iptc', width: 90, crop: 'scale' }))).width, 90);
});

test('an unsupported parameter, effect or flag is a 400 naming it', async () => {
  for (const [options, name] of [
    [{ effect: 'cartoonify' }, 'e_cartoonify'],
    [{ flags: 'tiled' }, 'fl_tiled'],
    [{ crop: 'imagga_crop', width: 10 }, 'imagga_crop'],
    [{ zoom: 2 }, 'z_2'],
  ] as const) {
    const image = await h.fetchImage(h.cloudinary.url(png.public_id, options));
    assert.equal(image.status, 400, JSON.stringify(options));
    assert.match(JSON.parse(image.body.toString()).error.message, new RegExp(name));
    assert.match(image.headers.get('x-cld-error') ?? '', new RegExp(name));
  }
});

test('named transformations: t_<name> serves what the Admin API defined, and follows an update', async () => {
  await h.cloudinary.api.create_transformation('thumb_square', { width: 120, height: 120, crop: 'fill' });
  const url = h.cloudinary.url(png.public_id, { transformation: 'thumb_square' });
  assert.match(url, /\/t_thumb_square\//);
  const image = await h.fetchImage(url);
  assert.deepEqual([image.status, image.width, image.height], [200, 120, 120]);
  // Chained after more parameters, and combined in one URL with others.
  const chained = await h.fetchImage(h.cloudinary.url(png.public_id, { transformation: ['thumb_square', { width: 60, crop: 'scale' }] }));
  assert.deepEqual([chained.width, chained.height], [60, 60]);
  await h.cloudinary.api.update_transformation('thumb_square', { unsafe_update: { width: 80, height: 40, crop: 'fill' } });
  // Definitions are remembered for a few seconds per process; this process dropped its copy.
  const updated = await h.fetchImage(url);
  assert.deepEqual([updated.width, updated.height], [80, 40]);
  const unknown = await h.fetchImage(h.cloudinary.url(png.public_id, { transformation: 'nope' }));
  assert.equal(unknown.status, 400);
  assert.match(JSON.parse(unknown.body.toString()).error.message, /t_nope/);
});

test('effects, radius, pad with background, border, opacity and c_auto as the SDK writes them', async () => {
  const cases: Array<[Record<string, unknown>, [number, number, string]]> = [
    [{ effect: 'grayscale', width: 100, crop: 'scale' }, [100, 75, 'png']],
    [{ effect: 'sepia:50' }, [640, 480, 'png']],
    [{ effect: 'blur:200', width: 64, crop: 'scale' }, [64, 48, 'png']],
    [{ effect: 'pixelate_faces' }, [640, 480, 'png']],
    [{ width: 300, height: 300, crop: 'pad', background: 'red' }, [300, 300, 'png']],
    [{ width: 300, height: 300, crop: 'lpad', background: 'rgb:00ff00' }, [300, 300, 'png']],
    [{ width: 800, height: 800, crop: 'mpad', background: 'red' }, [800, 800, 'png']],
    [{ width: 100, height: 100, crop: 'mpad' }, [640, 480, 'png']],
    [{ radius: 'max', width: 100, height: 100, crop: 'fill' }, [100, 100, 'png']],
    [{ border: '5px_solid_black', width: 90, crop: 'scale' }, [100, 78, 'png']],
    [{ opacity: 30, width: 40, crop: 'scale' }, [40, 30, 'png']],
    [{ width: 120, height: 80, crop: 'auto' }, [120, 80, 'png']],
  ];
  for (const [options, [width, height, format]] of cases) {
    const image = await h.fetchImage(h.cloudinary.url(png.public_id, options));
    assert.equal(image.status, 200, `${JSON.stringify(options)}: ${image.body.toString().slice(0, 200)}`);
    assert.deepEqual([image.width, image.height, image.format], [width, height, format], JSON.stringify(options));
  }
  const padded = await h.fetchImage(h.cloudinary.url(png.public_id, { width: 300, height: 300, crop: 'pad', background: 'red', format: 'png' }));
  const { data, info } = await sharp(padded.body).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([...data.subarray(0, 3)], [255, 0, 0], 'the pad above the fitted image is the background');
  assert.equal(info.width, 300);
});

/** Decoded RGBA pixels of a delivered image, and the RGBA at (x, y). */
async function pixels(body: Buffer) {
  const { data, info } = await sharp(body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 4, (y * info.width + x) * 4 + 4)];
  return { data, info, at };
}

test('pixel by pixel: o_ lowers alpha, r_max clears the corners, grayscale, negate, c_mpad enlarges then pads, c_auto', async () => {
  const get = async (options: Record<string, unknown>) => {
    const image = await h.fetchImage(h.cloudinary.url(png.public_id, { format: 'png', ...options }));
    assert.equal(image.status, 200, `${JSON.stringify(options)}: ${image.body.toString().slice(0, 200)}`);
    return { ...image, ...(await pixels(image.body)) };
  };
  // The stored picture is one colour, rgb(40, 120, 200), opaque.
  const faded = await get({ opacity: 30, width: 40, crop: 'scale' });
  const [r, g, b, alpha] = faded.at(20, 15);
  assert.deepEqual([r, g, b], [40, 120, 200]);
  assert.ok(Math.abs(alpha! - 255 * 0.3) <= 1, `o_30: alpha ${alpha}, 30 % of opaque`);

  const round = await get({ radius: 'max', width: 100, height: 100, crop: 'fill' });
  assert.equal(round.at(0, 0)[3], 0, 'r_max: the corner is transparent');
  assert.equal(round.at(99, 99)[3], 0);
  assert.deepEqual(round.at(50, 50), [40, 120, 200, 255], 'the middle is untouched');

  const grey = await get({ effect: 'grayscale', width: 64, crop: 'scale' });
  for (let i = 0; i < grey.data.length; i += 4) {
    assert.ok(grey.data[i] === grey.data[i + 1] && grey.data[i + 1] === grey.data[i + 2], `grey pixel ${i / 4}: ${[...grey.data.subarray(i, i + 3)]}`);
  }
  assert.deepEqual((await get({ effect: 'negate', width: 64, crop: 'scale' })).at(10, 10), [215, 135, 55, 255], 'negate: 255 minus each channel');

  // c_mpad only enlarges: 640 × 480 fits 800 × 800 as 800 × 600, red bands above and below.
  const enlarged = await get({ width: 800, height: 800, crop: 'mpad', background: 'red' });
  assert.deepEqual(enlarged.at(400, 50), [255, 0, 0, 255], 'the band above is the background');
  assert.deepEqual(enlarged.at(2, 400), [40, 120, 200, 255], 'the picture spans the whole width');
  assert.deepEqual(enlarged.at(400, 750), [255, 0, 0, 255]);

  const auto = await get({ width: 90, height: 160, crop: 'auto' });
  assert.deepEqual([auto.info.width, auto.info.height], [90, 160]);
  assert.deepEqual(auto.at(45, 80), [40, 120, 200, 255]);
});

test('every effect changes the pixels of the plain derivative, each the way it is named', async () => {
  const dir2 = tempDir('sdk-effects');
  // Noise over a gradient: every effect, blur and sharpen included, has something to change.
  const textured = `${dir2}/textured.png`;
  const noise = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 120, sigma: 40 } } })
    .png()
    .toBuffer();
  await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 60, g: 100, b: 160 } } })
    .composite([{ input: noise, blend: 'overlay' }])
    .png()
    .toFile(textured);
  await h.cloudinary.uploader.upload(textured, { public_id: 'textured' });
  const scaled = { width: 160, crop: 'scale' };
  const render = async (options: Record<string, unknown>) => {
    const image = await h.fetchImage(h.cloudinary.url('textured', { ...scaled, ...options }));
    assert.equal(image.status, 200, `${JSON.stringify(options)}: ${image.body.toString().slice(0, 200)}`);
    assert.deepEqual([image.width, image.height, image.format], [160, 120, 'png'], JSON.stringify(options));
    const { data } = await sharp(image.body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const stats = await sharp(image.body).stats();
    const mean = stats.channels.slice(0, 3).reduce((sum, c) => sum + c.mean, 0) / 3;
    const spread = stats.channels.slice(0, 3).reduce((sum, c) => sum + c.stdev, 0) / 3;
    return { data, mean, spread, saturation: (stats.channels[2]!.mean - stats.channels[0]!.mean) };
  };
  const plain = await render({});
  const changed = async (effect: string) => {
    const out = await render({ effect });
    let differing = 0;
    for (let i = 0; i < out.data.length; i++) if (out.data[i] !== plain.data[i]) differing++;
    assert.ok(differing > out.data.length / 4, `e_${effect} changed ${differing} of ${out.data.length} values`);
    return out;
  };
  for (const effect of ['grayscale', 'sepia', 'negate', 'pixelate', 'pixelate:10']) await changed(effect);
  assert.ok((await changed('sharpen')).spread > plain.spread, 'sharpen: more local contrast');
  assert.ok((await changed('blur:300')).spread < plain.spread, 'blur: less');
  assert.ok((await changed('brightness')).mean > plain.mean, 'brightness: lighter');
  assert.ok((await changed('brightness:-50')).mean < plain.mean, 'brightness:-50: darker');
  assert.ok((await changed('contrast:50')).spread > plain.spread, 'contrast:50: values spread out');
  assert.ok((await changed('saturation')).saturation > plain.saturation, 'saturation: blue further from red');
  assert.ok(Math.abs((await changed('saturation:-100')).saturation) < 2, 'saturation:-100: grey');
});

test('w_auto and dpr_auto follow the Client Hints, and the answer varies on them', async () => {
  const url = h.cloudinary.url(png.public_id, { width: 'auto', dpr: 'auto', crop: 'scale' });
  assert.match(url, /dpr_auto/);
  assert.match(url, /w_auto/);
  const hinted = await h.fetchImage(url, { 'Sec-CH-DPR': '2', 'Sec-CH-Width': '300' });
  // 300 physical px at dpr 2 are 150 css px, rounded up to 200, rendered at dpr 2.
  assert.deepEqual([hinted.status, hinted.width], [200, 400]);
  assert.match(hinted.headers.get('vary') ?? '', /Sec-CH-Width/);
  const bare = await h.fetchImage(url);
  assert.equal(bare.width, 640, 'without hints: no resize, dpr 1');
});

test('overlays as the SDK writes them: l_text with font, size and colour; l_<public id> in a folder, with fl_layer_apply', async () => {
  const logo = `${dir}/logo.png`;
  await sharp({ create: { width: 100, height: 50, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toFile(logo);
  await h.cloudinary.uploader.upload(logo, { public_id: 'brand/logo' });
  const text = h.cloudinary.url(png.public_id, {
    overlay: { font_family: 'Arial', font_size: 48, font_weight: 'bold', text: 'Hello, world' },
    color: 'red',
    gravity: 'south_east',
    x: 10,
    y: 10,
  });
  assert.match(text, /l_text:Arial_48_bold:Hello%252C%20world/);
  const withText = await h.fetchImage(text);
  assert.deepEqual([withText.status, withText.width, withText.height], [200, 640, 480]);
  const { data, info } = await sharp(withText.body).raw().toBuffer({ resolveWithObject: true });
  let red = 0;
  for (let y = 400; y < 470; y++) for (let x = 300; x < 630; x++) {
    const i = (y * info.width + x) * info.channels;
    if (data[i]! > 200 && data[i + 1]! < 80) red++;
  }
  assert.ok(red > 200, `${red} red text pixels in the bottom right`);

  const layered = h.cloudinary.url(png.public_id, {
    transformation: [{ overlay: 'brand:logo' }, { width: 50, crop: 'scale' }, { flags: 'layer_apply', gravity: 'north_west', x: 0, y: 0 }],
  });
  const image = await h.fetchImage(layered);
  assert.equal(image.status, 200, image.body.toString().slice(0, 200));
  const pixels = await sharp(image.body).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => {
    const i = (y * pixels.info.width + x) * pixels.info.channels;
    return [...pixels.data.subarray(i, i + 3)];
  };
  assert.deepEqual(at(10, 10), [255, 0, 0], 'the logo, scaled to 50 × 25, covers the top left');
  assert.deepEqual(at(10, 30), [40, 120, 200], 'and no more');
  const missing = await h.fetchImage(h.cloudinary.url(png.public_id, { overlay: 'nobody' }));
  assert.equal(missing.status, 400);
  assert.match(JSON.parse(missing.body.toString()).error.message, /l_nobody/);
});

test('blur_faces and pixelate_faces use the face detector, also on an image uploaded without `faces`', async () => {
  const photo = (await import('../fixtures/images.ts')).facePhoto();
  assert.ok(photo, 'the face photo fixture is installed');
  const uploaded = await h.cloudinary.uploader.upload(photo, { public_id: 'people' });
  assert.equal(uploaded.faces, undefined);
  const original = await h.fetchImage(h.cloudinary.url('people', { format: 'png' }));
  const hidden = await h.fetchImage(h.cloudinary.url('people', { effect: 'pixelate_faces:20', format: 'png' }));
  assert.equal(hidden.status, 200);
  // Found at delivery and kept (written after the answer, not awaited by it): the Admin API soon reports them.
  let faces: unknown[] = [];
  for (let i = 0; i < 100 && faces.length < 3; i++) {
    if (i) await new Promise((resolve) => setTimeout(resolve, 100));
    ({ faces } = await h.cloudinary.api.resource('people', { faces: true }));
  }
  assert.ok(faces.length >= 3, `${faces.length} faces`);
  const [x, y, w, hgt] = faces[0] as number[];
  const region = async (body: Buffer) =>
    sharp(body).extract({ left: x!, top: y!, width: w!, height: hgt! }).raw().toBuffer();
  const blurred = await h.fetchImage(h.cloudinary.url('people', { effect: 'blur_faces', format: 'png' }));
  assert.equal(blurred.status, 200);
  assert.ok(!(await region(original.body)).equals(await region(hidden.body)), 'the face is pixelated');
  assert.ok(!(await region(original.body)).equals(await region(blurred.body)), 'the face is blurred');
  assert.ok(!(await region(hidden.body)).equals(await region(blurred.body)), 'blurred is not pixelated');
  // Away from every face the image is unchanged.
  const outside = async (body: Buffer) => sharp(body).extract({ left: 0, top: 0, width: 20, height: 20 }).raw().toBuffer();
  const touchesCorner = (faces as number[][]).some(([fx, fy]) => fx! < 20 && fy! < 20);
  assert.ok(!touchesCorner);
  assert.ok((await outside(original.body)).equals(await outside(hidden.body)));
  assert.ok((await outside(original.body)).equals(await outside(blurred.body)));
});
