/**
 * The ingest benchmark's floor: "sharp alone doing the same analysis". The least code that
 * yields what `analyzeImage` reports for an ordinary photo, with none of its checks (no
 * pixel limit, no rejection reasons, no SVG refusal): one header read, one shrink-on-load
 * decode of the upright image to at most 640 px, a 64 px sample of it for the colours and
 * the pHash, the same decode's pixels for the face detector, and exifr on the file. The
 * measurements themselves (colour clustering, DCT hash, BlazeFace, EXIF) are the service's
 * own functions, so the floor and the service differ only in the code around them.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { summarizeColors, type ColorSummary } from '../../src/media/analysis/colors.ts';
import { detectFaces, type FaceBox } from '../../src/media/analysis/faces.ts';
import { readEmbeddedMetadata, type EmbeddedMetadata } from '../../src/media/analysis/metadata.ts';
import { PHASH_SIZE, phashFromGrey } from '../../src/media/analysis/phash.ts';

export interface SharpAloneAnalysis extends ColorSummary, EmbeddedMetadata {
  width: number;
  height: number;
  phash: string;
  faces: FaceBox[];
}

const WORK = 640;
const SAMPLE = 64;

/** Analyses one opaque photo (JPEG) with sharp, exifr and the detector, nothing else. */
export async function analyseWithSharpAlone(path: string): Promise<SharpAloneAnalysis> {
  const file = await readFile(path);
  const meta = await sharp(file).metadata();
  const embedded = readEmbeddedMetadata(file);
  const work = await sharp(file, { autoOrient: true })
    .resize(WORK, WORK, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width: ww, height: wh, channels } = work.info;
  const sample = await sharp(work.data, { raw: { width: ww, height: wh, channels } })
    .resize(SAMPLE, SAMPLE, { fit: 'fill' })
    .ensureAlpha()
    .raw()
    .toBuffer();
  const colours = summarizeColors(sample);
  const grey = new Float64Array(PHASH_SIZE * PHASH_SIZE);
  for (let y = 0; y < PHASH_SIZE; y++) {
    for (let x = 0; x < PHASH_SIZE; x++) {
      let sum = 0;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const i = ((2 * y + dy) * SAMPLE + 2 * x + dx) * 4;
          sum += 0.299 * sample[i]! + 0.587 * sample[i + 1]! + 0.114 * sample[i + 2]!;
        }
      }
      grey[y * PHASH_SIZE + x] = sum / 4;
    }
  }
  const { width, height } = meta.autoOrient;
  const scale = width / ww;
  const found = await detectFaces({ data: new Uint8Array(work.data.buffer, work.data.byteOffset, work.data.length), width: ww, height: wh });
  return {
    width,
    height,
    ...colours,
    phash: phashFromGrey(grey),
    faces: found.map(([x, y, w, h]) => [Math.round(x * scale), Math.round(y * scale), Math.round(w * scale), Math.round(h * scale)]),
    ...(await embedded),
  };
}
