import { readFile } from 'node:fs/promises';
import { type Metadata, type SharpOptions } from 'sharp';
import { sharp } from '../sharp.ts';
import { summarizeColors, type ColorShare } from './colors.ts';
import { detectFaces, type FaceBox } from './faces.ts';
import { readEmbeddedMetadata } from './metadata.ts';
import { PHASH_SIZE, phashFromGrey } from './phash.ts';

export { hammingDistance } from './phash.ts';
export { loadFaceDetector, type FaceBox } from './faces.ts';
export type { ColorShare } from './colors.ts';

/** Everything the media host learns from an uploaded image, in Cloudinary's vocabulary. */
export interface ImageAnalysis {
  /** Cloudinary format name: jpg, png, webp, gif, avif, heic, tiff, svg, … */
  format: string;
  /** Displayed (upright) width, after the EXIF orientation is applied. */
  width: number;
  /** Displayed (upright) height, after the EXIF orientation is applied. */
  height: number;
  /** Width of the pixels as stored in the file. */
  storedWidth: number;
  /** Height of the pixels as stored in the file (one page's height for multi-page files). */
  storedHeight: number;
  /** EXIF orientation 1..8; 1 when absent. */
  orientation: number;
  hasAlpha: boolean;
  /** Pages or animation frames; 1 for a still image. */
  pages: number;
  /** `["#RRGGBB", percent]`, dominant first, percents summing to about 100. */
  colors: ColorShare[];
  /** Colour families, as Cloudinary's `predominant`. */
  predominant: { google: ColorShare[] };
  /** 64-bit DCT perceptual hash, 16 lowercase hex digits; compare with `hammingDistance`. */
  phash: string;
  /** Faces as `[x, y, w, h]` in upright pixel coordinates; empty when not requested or when the detector failed (a `FaceDetectionWarning` is emitted). */
  faces: FaceBox[];
  /** Flat EXIF/IPTC/XMP tags with string values, like Cloudinary's `image_metadata`. */
  imageMetadata: Record<string, string>;
  /** `[latitude, longitude]` in signed decimal degrees, or null. */
  gps: [number, number] | null;
  /** When the photo was taken (DateTimeOriginal, else CreateDate), ISO-8601, or null. */
  takenAt: string | null;
}

/** Options of `analyzeImage`. */
export interface AnalyzeOptions {
  /** Largest width × height accepted; larger images are refused before any pixel is decoded. */
  maxPixels: number;
  /** Run face detection (default false). */
  faces?: boolean;
}

/** Why an upload is not an image the host will keep. */
export type ImageRejectionReason = 'empty' | 'not_an_image' | 'too_many_pixels' | 'corrupt';

/** Thrown by `analyzeImage` for files that must be refused; `message` can be shown to the uploader. */
export class ImageRejectedError extends Error {
  override readonly name = 'ImageRejectedError';

  constructor(
    readonly reason: ImageRejectionReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Longest side of the one decode every measurement derives from. It stays the same whether or
 * not faces are wanted, so a photo's colours and pHash never depend on the options. BlazeFace
 * scales its input to 256 px, so more would not find more faces; JPEG shrink-on-load makes it cheap.
 */
const WORK_SIZE = 640;
/** Side of the sample colours are counted on; pHash uses it halved. */
const SAMPLE_SIZE = 64;

const FORMAT_NAMES: Record<string, string> = { jpeg: 'jpg' };

function formatName(meta: Metadata): string {
  if (meta.format === 'heif') return meta.compression === 'av1' ? 'avif' : 'heic';
  return FORMAT_NAMES[meta.format] ?? meta.format;
}

/** Luma of a 2×2-box-averaged SAMPLE_SIZE sample, transparent areas read as white. */
function greyForPhash(rgba: Buffer): Float64Array {
  const grey = new Float64Array(PHASH_SIZE * PHASH_SIZE);
  for (let y = 0; y < PHASH_SIZE; y++) {
    for (let x = 0; x < PHASH_SIZE; x++) {
      let sum = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const i = ((2 * y + dy) * SAMPLE_SIZE + 2 * x + dx) * 4;
        const a = rgba[i + 3]! / 255;
        const luma = 0.299 * rgba[i]! + 0.587 * rgba[i + 1]! + 0.114 * rgba[i + 2]!;
        sum += luma * a + 255 * (1 - a);
      }
      grey[y * PHASH_SIZE + x] = sum / 4;
    }
  }
  return grey;
}

/** The one decode every measurement derives from: upright sRGB, at most WORK_SIZE px a side. */
interface WorkImage {
  data: Buffer;
  width: number;
  height: number;
  /** 3 for an opaque image, 4 when it has alpha. */
  channels: 3 | 4;
}

/**
 * Decodes `input` once, upright, to at most WORK_SIZE px a side. The resize is the pipeline's
 * first operation, so libvips shrinks on load (a 12 MP JPEG is decoded at 1/4 scale, ~1000 px,
 * at about a fifth of a full decode's cost). No alpha channel is added to an opaque image:
 * the face detector takes its RGB bytes as they are, with no copy or repacking.
 */
async function decodeWork(input: Buffer, options: SharpOptions): Promise<WorkImage> {
  const { data, info } = await sharp(input, { ...options, autoOrient: true })
    .resize(WORK_SIZE, WORK_SIZE, { fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  if (channels !== 3 && channels !== 4) throw new Error(`the image has ${channels} channels in sRGB`);
  return { data, width, height, channels };
}

/**
 * RGBA sample of SAMPLE_SIZE² pixels of the work image, colours and pHash are taken from.
 * 'fill' keeps every region's share of the area, which is what colour percentages measure.
 * (Resizing RGB and then adding an opaque alpha gives exactly the bytes resizing RGBA does.)
 */
function sampleOf(work: WorkImage): Promise<Buffer> {
  return sharp(work.data, { raw: { width: work.width, height: work.height, channels: work.channels } })
    .resize(SAMPLE_SIZE, SAMPLE_SIZE, { fit: 'fill' })
    .ensureAlpha()
    .raw()
    .toBuffer();
}

/** Faces of the work image, in the upright image's `width` × `height` pixels. Do not read `work.data` after: it may be transferred. */
async function facesOf(work: WorkImage, width: number, height: number): Promise<FaceBox[]> {
  const { data, width: ww, height: wh, channels } = work;
  const found = await detectFaces({ data, width: ww, height: wh, channels });
  return found.map((box) => scaleBox(box, width / ww, width, height));
}

function scaleBox([x, y, w, h]: FaceBox, scale: number, width: number, height: number): FaceBox {
  const left = Math.max(0, Math.round(x * scale));
  const top = Math.max(0, Math.round(y * scale));
  return [
    left,
    top,
    Math.min(width - left, Math.round(w * scale)),
    Math.min(height - top, Math.round(h * scale)),
  ];
}

/**
 * Faces in an image, `[x, y, w, h]` in its upright pixels, from the same 640 px decode the
 * upload analysis uses: for delivery asking for faces (`e_blur_faces`, `g_faces`, ...) of an
 * image whose upload did not ask for face detection.
 */
export async function findFaces(image: Buffer): Promise<FaceBox[]> {
  const work = await decodeWork(image, {});
  const { width, height } = (await sharp(image).metadata()).autoOrient;
  return facesOf(work, width, height);
}

/**
 * Analyses an image file: format and upright dimensions from the header, colours, pHash and
 * faces from one shrink-on-load decode to at most 640 px, and EXIF/IPTC/XMP through exifr.
 * Only the first page of an animated or multi-page file is looked at.
 *
 * @throws ImageRejectedError for an empty file, a non-image, an image over `maxPixels` (refused
 * from its header, before decoding) and a truncated or undecodable image.
 */
export async function analyzeImage(path: string, options: AnalyzeOptions): Promise<ImageAnalysis> {
  const file = await readFile(path);
  if (file.length === 0) throw new ImageRejectedError('empty', 'The file is empty.');

  let meta: Metadata;
  try {
    // Reading the header decodes no pixels, so sharp's own limit is lifted here to learn the real
    // dimensions and refuse with them below.
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch (error) {
    const unsupported = error instanceof Error && /unsupported image format/i.test(error.message);
    throw unsupported
      ? new ImageRejectedError('not_an_image', 'The file is not an image in a supported format.', { cause: error })
      : new ImageRejectedError('corrupt', 'The image header cannot be read.', { cause: error });
  }

  // An SVG is a document that can carry scripts and links: served from this origin it could act
  // as the site. Refused rather than rasterised, so no derivative of it can be the SVG itself.
  if (meta.format === 'svg') {
    throw new ImageRejectedError('not_an_image', 'SVG images are not accepted (they can carry scripts); upload a PNG, JPEG or WebP instead.');
  }
  const storedWidth = meta.width;
  const storedHeight = meta.pageHeight ?? meta.height;
  if (!storedWidth || !storedHeight) throw new ImageRejectedError('corrupt', 'The image has no dimensions.');
  const maxPixels = Math.floor(options.maxPixels);
  if (storedWidth * storedHeight > maxPixels) {
    throw new ImageRejectedError(
      'too_many_pixels',
      `The image is ${storedWidth}×${storedHeight} (${((storedWidth * storedHeight) / 1e6).toFixed(1)} megapixels); the limit is ${(maxPixels / 1e6).toFixed(1)} megapixels.`,
    );
  }
  const orientation = meta.orientation && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : 1;
  const swapped = orientation >= 5;
  const width = swapped ? storedHeight : storedWidth;
  const height = swapped ? storedWidth : storedHeight;

  const embedded = readEmbeddedMetadata(file);
  let work: WorkImage;
  let sample: Buffer;
  try {
    // 'truncated' refuses a file cut short (the usual failed upload) but, unlike the default
    // 'warning', still accepts camera files with benign quirks such as extraneous bytes.
    work = await decodeWork(file, { failOn: 'truncated', limitInputPixels: maxPixels });
    sample = await sampleOf(work);
  } catch (error) {
    const tooBig = error instanceof Error && /pixel limit/i.test(error.message);
    throw tooBig
      ? new ImageRejectedError('too_many_pixels', 'The image has more pixels than allowed.', { cause: error })
      : new ImageRejectedError('corrupt', 'The image is truncated or damaged and cannot be decoded.', { cause: error });
  }

  // The detector works in its thread while colours and pHash are counted here.
  const detecting = options.faces
    ? facesOf(work, width, height).catch((error: unknown): FaceBox[] => {
        // Faces are an extra: a broken detector must not cost the user an otherwise good upload.
        process.emitWarning(`face detection failed, no faces reported: ${error instanceof Error ? error.message : String(error)}`, {
          type: 'FaceDetectionWarning',
        });
        return [];
      })
    : undefined;
  const { colors, predominant } = summarizeColors(sample);
  const phash = phashFromGrey(greyForPhash(sample));
  const faces = (await detecting) ?? [];

  return {
    format: formatName(meta),
    width,
    height,
    storedWidth,
    storedHeight,
    orientation,
    hasAlpha: meta.hasAlpha,
    pages: meta.pages ?? 1,
    colors,
    predominant,
    phash,
    faces,
    ...(await embedded),
  };
}
