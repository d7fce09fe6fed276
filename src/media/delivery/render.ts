/**
 * Renders a transformation plan with sharp. The first component runs in the same pipeline
 * as the decode so libvips can shrink on load (a 12 MP JPEG bound for a 200 px thumbnail is
 * never decoded at full size); later components read the previous one's raw pixels, which
 * avoids a lossy re-encode between steps.
 */
import sharp, { type Sharp } from 'sharp';
import { decorate, hasDecorations, type RawImage } from './decorations.ts';
import { composeOverlay, type OverlayLoader } from './overlays.ts';
import {
  formatFromExtension,
  TransformationError,
  type AutoQuality,
  type Gravity,
  type Length,
  type OutputFormat,
  type Rgba,
  type TransformationPlan,
  type TransformStep,
} from './transformations.ts';

/** What the renderer needs besides the image and the plan. */
export interface RenderOptions {
  /** Extension of the requested URL: the output format unless the plan names one. */
  ext: string;
  /** The request's Accept header, consulted for `f_auto`. */
  accept?: string;
  /** Known faces, `[x, y, w, h]` in the upright original's pixels, for face gravity. */
  faces?: number[][];
  /** Reads the originals `l_<public id>` layers name; without it such layers are refused. */
  loadOverlay?: OverlayLoader;
}

/** An encoded derivative. */
export interface RenderedDerivative {
  body: Buffer;
  contentType: string;
  format: OutputFormat;
}

const CONTENT_TYPES: Readonly<Record<OutputFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
  tiff: 'image/tiff',
};

/** MIME type of an output format. */
export function contentTypeOf(format: OutputFormat): string {
  return CONTENT_TYPES[format];
}

/** The usual file extension of an output format, for download names. */
export function extensionOf(format: OutputFormat): string {
  return format === 'jpeg' ? 'jpg' : format;
}

/** True when the Accept header lists `type` without `q=0`; wildcards do not count. */
function accepts(accept: string | undefined, type: string): boolean {
  if (!accept) return false;
  return accept.split(',').some((range) => {
    const [media, ...params] = range.toLowerCase().split(';').map((part) => part.trim());
    if (media !== type) return false;
    const q = params.find((param) => param.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * The format a request gets: `f_<fmt>`, else for `f_auto` AVIF or WebP when the client
 * accepts them, else the URL's extension. Callers must key caches on the result.
 */
export function resolveOutputFormat(plan: TransformationPlan, ext: string, accept?: string): OutputFormat {
  const byExtension = formatFromExtension(ext);
  if (!byExtension) throw new TransformationError(`Unsupported format: ${ext}`);
  if (plan.format === 'auto') {
    if (accepts(accept, 'image/avif')) return 'avif';
    if (accepts(accept, 'image/webp')) return 'webp';
    return byExtension;
  }
  return plan.format ?? byExtension;
}

/**
 * True when the request asks for the original file itself (no geometry, quality or flag
 * that changes bytes, same format), which Cloudinary serves untouched.
 */
export function canServeOriginal(plan: TransformationPlan, sourceFormat: string, outputFormat: OutputFormat): boolean {
  return (
    plan.steps.length === 0 &&
    plan.quality === undefined &&
    !plan.palette &&
    !plan.progressive &&
    plan.autoOrient &&
    formatFromExtension(sourceFormat) === outputFormat
  );
}

interface Size {
  width: number;
  height: number;
}

interface Rect extends Size {
  left: number;
  top: number;
}

type Op =
  | { kind: 'resize'; width: number; height: number; attention: boolean }
  | { kind: 'extend'; top: number; bottom: number; left: number; right: number; background: Rgba }
  | { kind: 'extract'; region: Rect }
  | { kind: 'rotate'; angle: number }
  | { kind: 'mirror'; axis: 'horizontal' | 'vertical' };

/** Geometry of one step, planned against the size of the image it will receive. */
interface PlannedGeometry {
  ops: Op[];
  size: Size;
  faces: Rect[] | null;
}

function checkSize(size: Size, plan: TransformationPlan): void {
  if (size.width > plan.maxWidth || size.height > plan.maxHeight) {
    throw new TransformationError(`Resulting image exceeds the limit of ${plan.maxWidth}x${plan.maxHeight} px`);
  }
}

function resolve(length: Length, base: number): number {
  return length.relative ? length.value * base : length.value;
}

/** Requested width and height in pixels: fractions, aspect ratio and dpr applied. */
function targetSize(step: TransformStep, size: Size): { width?: number; height?: number } {
  let width = step.width && resolve(step.width, size.width);
  let height = step.height && resolve(step.height, size.height);
  const ratio = step.aspectRatio;
  if (ratio !== undefined) {
    if (width !== undefined && height === undefined) height = width / ratio;
    else if (height !== undefined && width === undefined) width = height * ratio;
    else if (width === undefined && height === undefined) {
      // An aspect ratio alone keeps the width when scaling, else takes the largest region of that shape.
      if ((step.crop ?? 'scale') === 'scale' || size.width / size.height <= ratio) {
        width = size.width;
        height = size.width / ratio;
      } else {
        height = size.height;
        width = size.height * ratio;
      }
    }
  }
  const pixels = (value: number | undefined) =>
    value === undefined ? undefined : Math.max(1, Math.round(value * step.dpr));
  return { width: pixels(width), height: pixels(height) };
}

function scaleRects(rects: Rect[] | null, from: Size, to: Size): Rect[] | null {
  if (!rects) return null;
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  return rects.map((r) => ({ left: r.left * sx, top: r.top * sy, width: r.width * sx, height: r.height * sy }));
}

function clipRects(rects: Rect[] | null, region: Rect): Rect[] | null {
  if (!rects) return null;
  return rects.flatMap((r) => {
    const left = Math.max(r.left, region.left);
    const top = Math.max(r.top, region.top);
    const right = Math.min(r.left + r.width, region.left + region.width);
    const bottom = Math.min(r.top + r.height, region.top + region.height);
    if (right <= left || bottom <= top) return [];
    return [{ left: left - region.left, top: top - region.top, width: right - left, height: bottom - top }];
  });
}

/** What face gravity centres on: the largest face (`face`) or the box around all (`faces`). */
function faceFocus(gravity: Gravity, faces: Rect[] | null): Rect | null {
  if (!faces || faces.length === 0 || (gravity !== 'face' && gravity !== 'faces')) return null;
  if (gravity === 'face') return faces.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
  const left = Math.min(...faces.map((r) => r.left));
  const top = Math.min(...faces.map((r) => r.top));
  const right = Math.max(...faces.map((r) => r.left + r.width));
  const bottom = Math.max(...faces.map((r) => r.top + r.height));
  return { left, top, width: right - left, height: bottom - top };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

/** Where a `box` sits inside `container`: centred on the focus when there is one, else by compass. */
function place(container: Size, box: Size, gravity: Gravity, focus: Rect | null): Rect {
  const slackX = container.width - box.width;
  const slackY = container.height - box.height;
  let left: number;
  let top: number;
  if (focus) {
    left = Math.round(focus.left + focus.width / 2 - box.width / 2);
    top = Math.round(focus.top + focus.height / 2 - box.height / 2);
  } else {
    left = gravity.includes('west') ? 0 : gravity.includes('east') ? slackX : slackX / 2;
    top = gravity.includes('north') ? 0 : gravity.includes('south') ? slackY : slackY / 2;
  }
  return { left: clamp(Math.round(left), 0, slackX), top: clamp(Math.round(top), 0, slackY), ...box };
}

function isWhole(region: Rect, size: Size): boolean {
  return region.left === 0 && region.top === 0 && region.width === size.width && region.height === size.height;
}

function resizeTo(size: Size, target: Size, faces: Rect[] | null): PlannedGeometry {
  if (target.width === size.width && target.height === size.height) return { ops: [], size, faces };
  return {
    ops: [{ kind: 'resize', ...target, attention: false }],
    size: target,
    faces: scaleRects(faces, size, target),
  };
}

/** Covers `target` exactly: scale until both sides are covered, then cut by gravity. */
function cover(size: Size, target: Size, gravity: Gravity, faces: Rect[] | null, plan: TransformationPlan): PlannedGeometry {
  const scale = Math.max(target.width / size.width, target.height / size.height);
  const scaled = {
    width: Math.max(target.width, Math.round(size.width * scale)),
    height: Math.max(target.height, Math.round(size.height * scale)),
  };
  checkSize(scaled, plan);
  const focus = faceFocus(gravity, faces);
  if (!focus && (gravity === 'auto' || gravity === 'face' || gravity === 'faces')) {
    // libvips' attention strategy picks the crop; where it cut is unknown, so faces are dropped.
    return { ops: [{ kind: 'resize', ...target, attention: true }], size: target, faces: null };
  }
  const resized = resizeTo(size, scaled, faces);
  const region = place(scaled, target, gravity, focus && faceFocus(gravity, resized.faces));
  if (isWhole(region, scaled)) return resized;
  return {
    ops: [...resized.ops, { kind: 'extract', region }],
    size: target,
    faces: clipRects(resized.faces, region),
  };
}

/** Default padding, as Cloudinary's: white. */
const WHITE: Rgba = { r: 255, g: 255, b: 255, alpha: 1 };

/**
 * Fits the image into `target` (pad: scaled either way; lpad: only down; mpad: only up, as
 * Cloudinary's minimum pad), then extends it to `target` with the step's background, placed
 * by gravity; an image larger than `target` is kept whole, never cut.
 */
function pad(size: Size, target: Size, mode: 'pad' | 'lpad' | 'mpad', step: TransformStep, faces: Rect[] | null): PlannedGeometry {
  let scale = Math.min(target.width / size.width, target.height / size.height);
  if (mode === 'lpad') scale = Math.min(scale, 1);
  if (mode === 'mpad') scale = Math.max(scale, 1);
  const fitted = { width: Math.max(1, Math.round(size.width * scale)), height: Math.max(1, Math.round(size.height * scale)) };
  const resized = resizeTo(size, fitted, faces);
  const outer = { width: Math.max(target.width, fitted.width), height: Math.max(target.height, fitted.height) };
  const at = place(outer, fitted, step.gravity === 'auto' || step.gravity === 'face' || step.gravity === 'faces' ? 'center' : (step.gravity ?? 'center'), null);
  const extend = {
    kind: 'extend' as const,
    top: at.top,
    left: at.left,
    bottom: outer.height - fitted.height - at.top,
    right: outer.width - fitted.width - at.left,
    background: step.background ?? WHITE,
  };
  const moved = resized.faces?.map((r) => ({ ...r, left: r.left + at.left, top: r.top + at.top })) ?? null;
  return { ops: [...resized.ops, extend], size: outer, faces: moved };
}

function planGeometry(step: TransformStep, size: Size, faces: Rect[] | null, plan: TransformationPlan): PlannedGeometry {
  const target = targetSize(step, size);
  if (target.width === undefined && target.height === undefined) return { ops: [], size, faces };
  const mode = step.crop ?? 'scale';
  // One side given: the other follows the image's aspect ratio, whatever the mode.
  const full: Size = {
    width: target.width ?? Math.max(1, Math.round((size.width * (target.height as number)) / size.height)),
    height: target.height ?? Math.max(1, Math.round((size.height * (target.width as number)) / size.width)),
  };
  checkSize(full, plan);
  switch (mode) {
    case 'scale':
      return resizeTo(size, full, faces);
    case 'fit':
    case 'limit': {
      const scale = Math.min(full.width / size.width, full.height / size.height);
      if (mode === 'limit' && scale >= 1) return { ops: [], size, faces };
      const fitted = {
        width: Math.max(1, Math.round(size.width * scale)),
        height: Math.max(1, Math.round(size.height * scale)),
      };
      return resizeTo(size, fitted, faces);
    }
    case 'fill':
    case 'thumb':
    case 'auto':
      if (target.width === undefined || target.height === undefined) return resizeTo(size, full, faces);
      return cover(size, full, step.gravity ?? (mode === 'thumb' ? 'faces' : mode === 'auto' ? 'auto' : 'center'), faces, plan);
    case 'pad':
    case 'lpad':
    case 'mpad':
      return pad(size, full, mode, step, faces);
    case 'crop': {
      const box = { width: Math.min(full.width, size.width), height: Math.min(full.height, size.height) };
      let region: Rect;
      if (step.x || step.y) {
        const left = step.x ? Math.round(resolve(step.x, size.width)) : 0;
        const top = step.y ? Math.round(resolve(step.y, size.height)) : 0;
        region = { left: clamp(left, 0, size.width - box.width), top: clamp(top, 0, size.height - box.height), ...box };
      } else {
        // Attention needs a resize in sharp; a plain crop follows known faces or the centre instead.
        const gravity = step.gravity === 'auto' ? 'faces' : (step.gravity ?? 'center');
        region = place(size, box, gravity, faceFocus(gravity, faces));
      }
      if (isWhole(region, size)) return { ops: [], size, faces };
      return { ops: [{ kind: 'extract', region }], size: box, faces: clipRects(faces, region) };
    }
  }
}

function orientationOp(step: TransformStep): Op | null {
  if (step.mirror) return { kind: 'mirror', axis: step.mirror };
  const angle = (((step.angle ?? 0) % 360) + 360) % 360;
  return angle === 0 ? null : { kind: 'rotate', angle };
}

function rotatedSize(size: Size, angle: number): Size {
  if (angle % 180 === 0) return size;
  if (angle % 90 === 0) return { width: size.height, height: size.width };
  const rad = (angle * Math.PI) / 180;
  const cos = Math.abs(Math.cos(rad));
  const sin = Math.abs(Math.sin(rad));
  return {
    width: Math.round(size.width * cos + size.height * sin),
    height: Math.round(size.width * sin + size.height * cos),
  };
}

const TRANSPARENT = { r: 0, g: 0, b: 0, alpha: 0 };

function applyOps(image: Sharp, ops: Op[]): Sharp {
  for (const op of ops) {
    if (op.kind === 'resize') {
      image = op.attention
        ? image.resize(op.width, op.height, { fit: 'cover', position: sharp.strategy.attention })
        : image.resize(op.width, op.height, { fit: 'fill' });
    } else if (op.kind === 'extract') image = image.extract(op.region);
    else if (op.kind === 'extend') {
      const { top, bottom, left, right, background } = op;
      image = image.extend({ top, bottom, left, right, background });
    } else if (op.kind === 'rotate') image = image.rotate(op.angle, { background: TRANSPARENT });
    else image = op.axis === 'horizontal' ? image.flop() : image.flip();
  }
  return image;
}

const AUTO_QUALITY: Readonly<Record<AutoQuality, { standard: number; avif: number }>> = {
  best: { standard: 90, avif: 64 },
  good: { standard: 80, avif: 50 },
  eco: { standard: 70, avif: 42 },
  low: { standard: 60, avif: 34 },
};

function encode(input: Sharp, format: OutputFormat, plan: TransformationPlan): Sharp {
  const image = plan.keepMetadata ? input.keepMetadata() : input;
  const preset = AUTO_QUALITY[typeof plan.quality === 'string' ? plan.quality : 'good'];
  const quality = typeof plan.quality === 'number' ? plan.quality : format === 'avif' ? preset.avif : preset.standard;
  switch (format) {
    case 'jpeg':
      // JPEG has no alpha: transparent areas become the `b_` colour (white by default), not whatever they hide.
      return image.flatten({ background: plan.background ?? '#ffffff' }).jpeg({ quality, progressive: plan.progressive });
    case 'png':
      return image.png({ progressive: plan.progressive, palette: plan.palette });
    case 'webp':
      return image.webp({ quality, effort: 3 });
    case 'avif':
      // Effort dominates AVIF encode time; 1 keeps a 1920 px encode well under a second.
      return image.avif({ quality, effort: 1 });
    case 'gif':
      return image.gif();
    case 'tiff':
      return image.tiff({ quality });
  }
}

type Source =
  | { kind: 'encoded'; data: Buffer }
  | { kind: 'raw'; data: Buffer; info: { width: number; height: number; channels: 1 | 2 | 3 | 4 } };

function initialFaces(faces: number[][] | undefined, orientationChanged: boolean): Rect[] | null {
  // Faces are upright coordinates: they mean nothing on an image left in its stored orientation.
  if (!faces || orientationChanged) return null;
  return faces.flatMap((face) => {
    const [left, top, width, height] = face;
    if (![left, top, width, height].every((n) => typeof n === 'number' && Number.isFinite(n))) return [];
    if ((width as number) <= 0 || (height as number) <= 0) return [];
    return [{ left, top, width, height } as Rect];
  });
}

/**
 * Renders `plan` on `input`: EXIF orientation first (unless `a_ignore`), then each step's
 * resize or crop followed by its rotation, then the encode. Throws TransformationError when
 * a computed size passes the plan's limits.
 */
export async function renderDerivative(
  input: Buffer,
  plan: TransformationPlan,
  options: RenderOptions,
): Promise<RenderedDerivative> {
  const format = resolveOutputFormat(plan, options.ext, options.accept);
  const meta = await sharp(input).metadata();
  const upright = plan.autoOrient ? meta.autoOrient : { width: meta.width, height: meta.height };
  let size: Size = upright;
  let faces = initialFaces(options.faces, !plan.autoOrient && (meta.orientation ?? 1) > 1);
  // Whether decoding turns the picture upright (EXIF orientation other than 1, not `a_ignore`).
  const turnsOnDecode = plan.autoOrient && (meta.orientation ?? 1) > 1;

  let source: Source = { kind: 'encoded', data: input };
  let pending: Op[] | null = null;
  let sizeExact = true;
  const open = (): Sharp => {
    if (source.kind === 'raw') return sharp(source.data, { raw: source.info });
    const image = sharp(source.data, { failOn: 'error' });
    return plan.autoOrient ? image.autoOrient() : image;
  };
  // Runs the pending pass to raw pixels, so that the next pass can follow it in order.
  const flush = async (): Promise<void> => {
    if (!pending) return;
    const { data, info } = await applyOps(open(), pending).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    source = { kind: 'raw', data, info: { width: info.width, height: info.height, channels: info.channels } };
    size = { width: info.width, height: info.height };
    pending = null;
    sizeExact = true;
  };

  const noOverlays: OverlayLoader = async () => null;
  const renderLayer = async (layer: Buffer, layerPlan: TransformationPlan) =>
    (await renderDerivative(layer, { ...layerPlan, maxWidth: plan.maxWidth, maxHeight: plan.maxHeight }, { ext: 'png' })).body;
  for (const step of plan.steps) {
    if (step.overlay) {
      pending ??= [];
      await flush();
      const composed = await composeOverlay(source as RawImage, step.overlay, options.loadOverlay ?? noOverlays, renderLayer);
      source = { kind: 'raw', ...composed };
      continue;
    }
    if (!sizeExact) await flush();
    const geometry = planGeometry(step, size, faces, plan);
    if (geometry.ops.length > 0) {
      await flush();
      const resize = geometry.ops.findIndex((op) => op.kind === 'resize');
      if (source.kind === 'encoded' && turnsOnDecode && resize >= 0 && resize < geometry.ops.length - 1) {
        // sharp turns a picture before anything else once an extract shares its pipeline with
        // autoOrient, which turns shrink-on-load off: a 12 MP phone photo would be decoded
        // whole. The decode resizes alone (to raw pixels, shrinking on load); the cut follows.
        pending = geometry.ops.slice(0, resize + 1);
        await flush();
        pending = geometry.ops.slice(resize + 1);
      } else {
        pending = geometry.ops;
      }
      size = geometry.size;
      faces = geometry.faces;
    }
    const orientation = orientationOp(step);
    if (orientation) {
      // sharp turns by right angles before resizing within one pipeline, so a turn gets its own pass.
      await flush();
      pending = [orientation];
      const angle = orientation.kind === 'rotate' ? orientation.angle : 0;
      size = rotatedSize(size, angle);
      checkSize(size, plan);
      sizeExact = angle % 90 === 0;
      faces = null;
    }
    if (hasDecorations(step)) {
      // Effects, corners, borders and opacity work on this step's exact pixels.
      pending ??= [];
      await flush();
      const decorated: RawImage = await decorate(source as RawImage, step, faces);
      source = { kind: 'raw', ...decorated };
      size = { width: decorated.info.width, height: decorated.info.height };
      if (step.border && faces) faces = faces.map((r) => ({ ...r, left: r.left + step.border!.width, top: r.top + step.border!.width }));
    }
  }
  const body = await encode(applyOps(open(), pending ?? []), format, plan).toBuffer();
  return { body, contentType: contentTypeOf(format), format };
}
