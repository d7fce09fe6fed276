/**
 * `l_` layers composed onto an image: text (rendered by libvips through Pango, with the
 * fonts fontconfig knows; the repo's CI installs Debian's fonts-dejavu-core, which also
 * stands in for names such as Arial) or another stored image, each given its own
 * transformation, then placed by compass gravity and x/y offsets. A layer reaching past the
 * image is cut at its edges.
 */
import { sharp } from '../sharp.ts';
import type { RawImage } from './decorations.ts';
import { TransformationError, type Overlay, type TransformationPlan } from './transformations.ts';

/** Reads a stored image's original by public id (delivery type `upload`), or null. */
export type OverlayLoader = (publicId: string) => Promise<Buffer | null>;

/** Renders a layer's own transformation to PNG (the renderer itself, passed in). */
export type LayerRenderer = (input: Buffer, plan: TransformationPlan) => Promise<Buffer>;

const escapeMarkup = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function hex(c: { r: number; g: number; b: number; alpha: number }): string {
  return `#${[c.r, c.g, c.b, Math.round(c.alpha * 255)].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

async function layerSource(overlay: Overlay, load: OverlayLoader): Promise<Buffer> {
  const source = overlay.source;
  if (source.kind === 'image') {
    const found = await load(source.publicId);
    if (!found) throw new TransformationError(`Overlay not found: l_${source.publicId.replace(/\//g, ':')}`);
    return found;
  }
  const style = `${source.bold ? ' Bold' : ''}${source.italic ? ' Italic' : ''}`;
  // At 72 dpi a point is a pixel, so the size is the text's height in pixels, as on Cloudinary.
  return sharp({
    text: {
      text: `<span foreground="${hex(source.color)}">${escapeMarkup(source.text)}</span>`,
      font: `${source.font}${style} ${source.size}`,
      rgba: true,
      dpi: 72,
    },
  })
    .png()
    .toBuffer();
}

export async function composeOverlay(base: RawImage, overlay: Overlay, load: OverlayLoader, render: LayerRenderer): Promise<RawImage> {
  const layerPng = await render(await layerSource(overlay, load), overlay.layer);
  const { data: layer, info } = await sharp(layerPng).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = base.info;
  const g = overlay.gravity;
  // x and y move the layer away from the edge its gravity names, as on Cloudinary.
  const left = g.includes('west') ? overlay.x : g.includes('east') ? width - info.width - overlay.x : Math.round((width - info.width) / 2) + overlay.x;
  const top = g.includes('north') ? overlay.y : g.includes('south') ? height - info.height - overlay.y : Math.round((height - info.height) / 2) + overlay.y;
  const cut = {
    left: Math.max(0, -left),
    top: Math.max(0, -top),
    right: Math.min(info.width, width - left),
    bottom: Math.min(info.height, height - top),
  };
  if (cut.right <= cut.left || cut.bottom <= cut.top) return base;
  const visible = await sharp(layer, { raw: { width: info.width, height: info.height, channels: 4 } })
    .extract({ left: cut.left, top: cut.top, width: cut.right - cut.left, height: cut.bottom - cut.top })
    .png()
    .toBuffer();
  const { data, info: out } = await sharp(base.data, { raw: base.info })
    .composite([{ input: visible, left: Math.max(0, left), top: Math.max(0, top) }])
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { data, info: { width: out.width, height: out.height, channels: out.channels } };
}
