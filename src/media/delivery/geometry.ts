/**
 * The arithmetic of a transformation step: from the size of the image a step receives (and
 * the faces known in it), the resize, cut, padding and turn it asks for, as a list of
 * operations for the sharp pipeline (render.ts) to run. Pure functions of numbers, so that
 * every crop mode and gravity is tested without decoding a pixel.
 */
import { TransformationError, type Gravity, type Length, type Rgba, type TransformationPlan, type TransformStep } from './transformations.ts';

/** Pixel dimensions. */
export interface Size {
  width: number;
  height: number;
}

/** A region of an image, in pixels from its top-left corner. */
export interface Rect extends Size {
  left: number;
  top: number;
}

/** One operation of the sharp pipeline, as render.ts runs it. */
export type Op =
  | { kind: 'resize'; width: number; height: number; attention: boolean }
  | { kind: 'extend'; top: number; bottom: number; left: number; right: number; background: Rgba }
  | { kind: 'extract'; region: Rect }
  | { kind: 'rotate'; angle: number }
  | { kind: 'mirror'; axis: 'horizontal' | 'vertical' };

/** Geometry of one step, planned against the size of the image it will receive. */
export interface PlannedGeometry {
  ops: Op[];
  /** The image's size once `ops` ran. */
  size: Size;
  /** The known faces where they are once `ops` ran; null when unknown. */
  faces: Rect[] | null;
}

/** Throws TransformationError when `size` passes the plan's limits. */
export function checkSize(size: Size, plan: TransformationPlan): void {
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

/** Both sides of `target`: one side given, the other follows `size`'s aspect ratio; null when neither is. */
function completeSize(target: { width?: number; height?: number }, size: Size): Size | null {
  const { width, height } = target;
  if (width !== undefined && height !== undefined) return { width, height };
  if (width !== undefined) return { width, height: Math.max(1, Math.round((size.height * width) / size.width)) };
  if (height !== undefined) return { width: Math.max(1, Math.round((size.width * height) / size.height)), height };
  return null;
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

/** `rects` moved right by `left` and down by `top`, as padding or a border moves the picture. */
export function moveRects(rects: Rect[], left: number, top: number): Rect[] {
  return rects.map((r) => ({ ...r, left: r.left + left, top: r.top + top }));
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
  const moved = resized.faces && moveRects(resized.faces, at.left, at.top);
  return { ops: [...resized.ops, extend], size: outer, faces: moved };
}

/**
 * The resize or cut `step` asks of an image of `size` holding `faces` (its `c_`, `w_`, `h_`,
 * `ar_`, `dpr_`, `g_`, `x_`, `y_`); its turn is orientationOp's. Throws TransformationError
 * when a size passes the plan's limits.
 */
export function planGeometry(step: TransformStep, size: Size, faces: Rect[] | null, plan: TransformationPlan): PlannedGeometry {
  const target = targetSize(step, size);
  // One side given: the other follows the image's aspect ratio, whatever the mode.
  const full = completeSize(target, size);
  if (!full) return { ops: [], size, faces };
  const mode = step.crop ?? 'scale';
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

/** The step's turn (`a_<degrees>`, normalised to 0..359) or mirror (`a_hflip`, `a_vflip`); null for none. */
export function orientationOp(step: TransformStep): Op | null {
  if (step.mirror) return { kind: 'mirror', axis: step.mirror };
  const angle = (((step.angle ?? 0) % 360) + 360) % 360;
  return angle === 0 ? null : { kind: 'rotate', angle };
}

/** The bounding box of an image of `size` turned by `angle` degrees. */
export function rotatedSize(size: Size, angle: number): Size {
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

const isCoordinate = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

/**
 * The asset's known faces (`[x, y, w, h]`, as stored) as rectangles, malformed ones left out;
 * null when `orientationChanged`.
 */
export function initialFaces(faces: number[][] | undefined, orientationChanged: boolean): Rect[] | null {
  // Faces are upright coordinates: they mean nothing on an image left in its stored orientation.
  if (!faces || orientationChanged) return null;
  return faces.flatMap((face) => {
    const [left, top, width, height] = face;
    if (!isCoordinate(left) || !isCoordinate(top) || !isCoordinate(width) || !isCoordinate(height)) return [];
    if (width <= 0 || height <= 0) return [];
    return [{ left, top, width, height }];
  });
}
