/**
 * Renders a transformation plan with sharp. The first component runs in the same pipeline
 * as the decode so libvips can shrink on load (a 12 MP JPEG bound for a 200 px thumbnail is
 * never decoded at full size); later components read the previous one's raw pixels, which
 * avoids a lossy re-encode between steps. What each step does to the size is geometry.ts's
 * arithmetic; the output format is output-format.ts's choice.
 */
import { type Sharp } from 'sharp';
import { loadSharp, sharp } from '../sharp.ts';
import { decorate, hasDecorations, type RawImage } from './decorations.ts';
import { checkSize, initialFaces, moveRects, type Op, orientationOp, planGeometry, rotatedSize, type Size } from './geometry.ts';
import { contentTypeOf, resolveOutputFormat } from './output-format.ts';
import { composeOverlay, type OverlayLoader } from './overlays.ts';
import type { AutoQuality, OutputFormat, TransformationPlan } from './transformations.ts';

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

const TRANSPARENT = { r: 0, g: 0, b: 0, alpha: 0 };

function applyOps(image: Sharp, ops: Op[]): Sharp {
  for (const op of ops) {
    if (op.kind === 'resize') {
      image = op.attention
        ? image.resize(op.width, op.height, { fit: 'cover', position: loadSharp().strategy.attention })
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
      if (step.border && faces) faces = moveRects(faces, step.border.width, step.border.width);
    }
  }
  const body = await encode(applyOps(open(), pending ?? []), format, plan).toBuffer();
  return { body, contentType: contentTypeOf(format), format };
}
