/**
 * What a component does to pixels after its geometry: `e_` effects (faces included, through
 * the faces the renderer tracks), `r_` rounded corners, `bo_` borders and `o_` opacity,
 * applied in that order on raw pixels, each in its own sharp pass, since sharp would
 * otherwise reorder them within one pipeline.
 */
import { type OverlayOptions, type Sharp } from 'sharp';
import { sharp } from '../sharp.ts';
import type { Effect, Rgba, TransformStep } from './transformations.ts';

/** Raw pixels and their layout, as the renderer passes them between steps. */
export interface RawImage {
  data: Buffer;
  info: { width: number; height: number; channels: 1 | 2 | 3 | 4 };
}

/** A face's box in the image's current pixels. */
interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function hasDecorations(step: TransformStep): boolean {
  return step.effect !== undefined || step.radius !== undefined || step.border !== undefined || step.opacity !== undefined;
}

async function raw(image: Sharp): Promise<RawImage> {
  const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { data, info: { width: info.width, height: info.height, channels: info.channels } };
}

const open = (image: RawImage) => sharp(image.data, { raw: image.info });

/** Sepia as the usual colour matrix, mixed with the identity by `level` percent. */
function sepiaMatrix(level: number): [[number, number, number], [number, number, number], [number, number, number]] {
  const k = level / 100;
  const sepia = [
    [0.393, 0.769, 0.189],
    [0.349, 0.686, 0.168],
    [0.272, 0.534, 0.131],
  ];
  return sepia.map((row, i) => row.map((v, j) => k * v + (1 - k) * (i === j ? 1 : 0))) as never;
}

/** Blocks of `size` pixels: shrink (each block becomes its average), then grow back with nearest neighbour. */
async function pixelate(image: RawImage, size: number): Promise<RawImage> {
  const { width, height } = image.info;
  const small = await raw(
    open(image).resize(Math.max(1, Math.round(width / size)), Math.max(1, Math.round(height / size)), { fit: 'fill' }),
  );
  return raw(open(small).resize(width, height, { fit: 'fill', kernel: 'nearest' }));
}

async function whole(image: RawImage, effect: Effect): Promise<RawImage> {
  const pipeline = open(image);
  switch (effect.name) {
    case 'grayscale':
      return raw(pipeline.grayscale().toColourspace('srgb'));
    case 'negate':
      return raw(pipeline.negate({ alpha: false }));
    case 'sepia':
      return raw(pipeline.recomb(sepiaMatrix(effect.level)));
    case 'blur':
      return raw(pipeline.blur(0.3 + effect.level / 25));
    case 'sharpen':
      return raw(pipeline.sharpen({ sigma: 0.5 + effect.level / 200 }));
    case 'brightness':
      return raw(pipeline.modulate({ brightness: 1 + effect.level / 100 }));
    case 'saturation':
      return raw(pipeline.modulate({ saturation: Math.max(0, 1 + effect.level / 100) }));
    case 'contrast': {
      const a = 1 + effect.level / 100;
      return raw(pipeline.linear(a, 128 * (1 - a)));
    }
    case 'pixelate':
      return pixelate(image, effect.level);
    case 'blur_faces':
    case 'pixelate_faces':
      return image;
  }
}

/** Blurs or pixelates each face's box in place; an image without known faces is left as is. */
async function onFaces(image: RawImage, effect: { name: 'blur_faces' | 'pixelate_faces'; level: number }, faces: Box[]): Promise<RawImage> {
  const { width, height } = image.info;
  const overlays: OverlayOptions[] = [];
  for (const face of faces) {
    const left = Math.max(0, Math.floor(face.left));
    const top = Math.max(0, Math.floor(face.top));
    const box = { left, top, width: Math.min(width - left, Math.ceil(face.width)), height: Math.min(height - top, Math.ceil(face.height)) };
    if (box.width < 1 || box.height < 1) continue;
    const region = await raw(open(image).extract(box));
    const hidden = effect.name === 'blur_faces' ? await raw(open(region).blur(0.3 + effect.level / 25)) : await pixelate(region, effect.level);
    overlays.push({ input: hidden.data, raw: hidden.info, left: box.left, top: box.top });
  }
  if (!overlays.length) return image;
  const composed = await raw(open(image).composite(overlays));
  // Compositing adds an alpha channel; an opaque image stays opaque (and its PNG smaller).
  return image.info.channels === 3 && composed.info.channels === 4 ? raw(open(composed).removeAlpha()) : composed;
}

/** A mask with rounded corners (`max`: an ellipse), white inside. */
function cornerMask(width: number, height: number, radius: number | 'max'): Buffer {
  const r = radius === 'max' ? Math.min(width, height) / 2 : Math.min(radius, width / 2, height / 2);
  const rx = radius === 'max' ? width / 2 : r;
  const ry = radius === 'max' ? height / 2 : r;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="${width}" height="${height}" rx="${rx}" ry="${ry}" fill="#fff"/></svg>`,
  );
}

const background = (c: Rgba) => ({ r: c.r, g: c.g, b: c.b, alpha: c.alpha });

export async function decorate(image: RawImage, step: TransformStep, faces: Box[] | null): Promise<RawImage> {
  let out = image;
  if (step.effect) {
    out =
      step.effect.name === 'blur_faces' || step.effect.name === 'pixelate_faces'
        ? await onFaces(out, { name: step.effect.name, level: step.effect.level }, faces ?? [])
        : await whole(out, step.effect);
  }
  if (step.radius !== undefined) {
    const { width, height } = out.info;
    out = await raw(open(out).ensureAlpha().composite([{ input: cornerMask(width, height, step.radius), blend: 'dest-in' }]));
  }
  if (step.border) {
    const { width, color } = step.border;
    out = await raw(open(out).ensureAlpha().extend({ top: width, bottom: width, left: width, right: width, background: background(color) }));
  }
  if (step.opacity !== undefined) {
    const k = step.opacity / 100;
    // sharp runs linear before ensureAlpha within one pipeline, so the alpha channel comes first.
    const colour = out.info.channels < 3 ? await raw(open(out).toColourspace('srgb')) : out;
    const withAlpha = colour.info.channels === 4 ? colour : await raw(open(colour).ensureAlpha());
    out = await raw(open(withAlpha).linear([1, 1, 1, k], [0, 0, 0, 0]));
  }
  return out;
}
