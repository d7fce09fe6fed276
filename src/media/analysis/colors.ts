/** `[colour, percent]` with percent rounded to one decimal, as Cloudinary lists colours. */
export type ColorShare = [string, number];

/** Colour names Cloudinary's `predominant.google` uses. */
export type ColorName =
  | 'red'
  | 'orange'
  | 'yellow'
  | 'green'
  | 'teal'
  | 'blue'
  | 'purple'
  | 'pink'
  | 'brown'
  | 'black'
  | 'gray'
  | 'white';

/** Dominant colours of a small RGBA sample of an image. */
export interface ColorSummary {
  /** `["#RRGGBB", percent]`, most frequent first, percents summing to about 100. */
  colors: ColorShare[];
  /** Named colour families, most frequent first, percents summing to about 100. */
  predominant: { google: ColorShare[] };
}

const MAX_COLORS = 8;
/** Clusters or names under this share (percent) are noise in a small sample: dropped, the rest rescaled. */
const MIN_SHARE = 1;
/** A candidate colour this close (redmean distance) to an existing cluster joins it. */
const MERGE_DISTANCE = 60;
const KMEANS_ROUNDS = 6;

type Rgb = [number, number, number];

/** "Redmean" weighted RGB distance: far closer to perceived difference than plain Euclidean, and cheap. */
function distance(a: Rgb, b: Rgb): number {
  const rm = (a[0] + b[0]) / 2;
  const dr = a[0] - b[0];
  const dg = a[1] - b[1];
  const db = a[2] - b[2];
  return Math.sqrt((2 + rm / 256) * dr * dr + 4 * dg * dg + (2 + (255 - rm) / 256) * db * db);
}

function hex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('').toUpperCase()}`;
}

/** Weights become percents; entries under MIN_SHARE are dropped and the rest rescaled to 100. */
function toShares<T>(entries: Array<[T, number]>, label: (key: T) => string): ColorShare[] {
  const total = entries.reduce((s, [, w]) => s + w, 0);
  if (total <= 0) return [];
  const kept = entries.filter(([, w]) => (w / total) * 100 >= MIN_SHARE).sort((a, b) => b[1] - a[1]);
  const keptTotal = kept.reduce((s, [, w]) => s + w, 0);
  return kept.map(([key, w]) => [label(key), Math.round((w / keptTotal) * 1000) / 10]);
}

/** Cloudinary-style colour family of one pixel, from its hue, saturation and value. */
export function colorName([r, g, b]: Rgb): ColorName {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const v = max / 255;
  const s = max === 0 ? 0 : (max - min) / max;
  if (v < 0.2) return 'black';
  if (s < 0.15 || (s < 0.25 && v > 0.9)) return v > 0.85 ? 'white' : v < 0.3 ? 'black' : 'gray';
  let h: number;
  if (max === r) h = ((g - b) / (max - min) + 6) % 6;
  else if (max === g) h = (b - r) / (max - min) + 2;
  else h = (r - g) / (max - min) + 4;
  h *= 60;
  if (h >= 12 && h < 45 && v < 0.65) return 'brown';
  if (h < 12 || h >= 345) return s < 0.45 && v > 0.7 ? 'pink' : 'red';
  if (h < 40) return 'orange';
  if (h < 70) return 'yellow';
  if (h < 160) return 'green';
  if (h < 195) return 'teal';
  if (h < 255) return 'blue';
  if (h < 290) return 'purple';
  return 'pink';
}

/**
 * `values[index]`. The loops below keep every index in range, so a miss is a bug: it throws
 * rather than let NaN through into the percentages.
 */
function at(values: ArrayLike<number>, index: number): number {
  const value = values[index];
  if (value === undefined) throw new RangeError(`index ${index} outside 0..${values.length - 1}`);
  return value;
}

/**
 * Dominant colours of an RGBA pixel buffer (meant for a ~64×64 resize). Each pixel weighs its
 * alpha, so fully transparent pixels count for nothing. Clusters are seeded greedily from a
 * 4-bit-per-channel histogram in weight order (so the seed of the biggest region comes first and
 * the result is deterministic) and then refined by a few k-means rounds over all pixels.
 * Typed arrays and squared distances keep it at ~1 ms: it runs on the event loop.
 */
export function summarizeColors(rgba: Uint8Array | Buffer): ColorSummary {
  const count = Math.floor(rgba.length / 4);
  const binWeight = new Float64Array(4096);
  const binSum = new Float64Array(4096 * 3);
  const names = new Map<ColorName, number>();
  let opaque = 0;
  for (let i = 0; i < count; i++) {
    const a = at(rgba, i * 4 + 3) / 255;
    if (a === 0) continue;
    opaque++;
    const r = at(rgba, i * 4);
    const g = at(rgba, i * 4 + 1);
    const b = at(rgba, i * 4 + 2);
    const key = ((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4);
    binWeight[key] = at(binWeight, key) + a;
    binSum[key * 3] = at(binSum, key * 3) + r * a;
    binSum[key * 3 + 1] = at(binSum, key * 3 + 1) + g * a;
    binSum[key * 3 + 2] = at(binSum, key * 3 + 2) + b * a;
    const name = colorName([r, g, b]);
    names.set(name, (names.get(name) ?? 0) + a);
  }
  if (opaque === 0) return { colors: [], predominant: { google: [] } };

  const bins = [...binWeight.entries()].filter(([, w]) => w > 0).sort((x, y) => y[1] - x[1]);
  const centres: Rgb[] = [];
  for (const [k, w] of bins) {
    const mean: Rgb = [at(binSum, k * 3) / w, at(binSum, k * 3 + 1) / w, at(binSum, k * 3 + 2) / w];
    if (centres.every((c) => distance(c, mean) > MERGE_DISTANCE)) centres.push(mean);
    if (centres.length === MAX_COLORS) break;
  }

  const k = centres.length;
  const centre = new Float64Array(k * 3);
  centres.forEach((c, j) => centre.set(c, j * 3));
  const totals = new Float64Array(k);
  const sums = new Float64Array(k * 3);
  for (let round = 0; round < KMEANS_ROUNDS; round++) {
    totals.fill(0);
    sums.fill(0);
    for (let i = 0; i < count; i++) {
      const w = at(rgba, i * 4 + 3) / 255;
      if (w === 0) continue;
      const r = at(rgba, i * 4);
      const g = at(rgba, i * 4 + 1);
      const b = at(rgba, i * 4 + 2);
      let best = 0;
      let bestDistance = Infinity;
      for (let j = 0; j < k; j++) {
        // Squared redmean distance: same ordering as `distance`, without the square root.
        const cr = at(centre, j * 3);
        const rm = (r + cr) / 2;
        const dr = r - cr;
        const dg = g - at(centre, j * 3 + 1);
        const db = b - at(centre, j * 3 + 2);
        const d = (2 + rm / 256) * dr * dr + 4 * dg * dg + (2 + (255 - rm) / 256) * db * db;
        if (d < bestDistance) {
          bestDistance = d;
          best = j;
        }
      }
      totals[best] = at(totals, best) + w;
      sums[best * 3] = at(sums, best * 3) + r * w;
      sums[best * 3 + 1] = at(sums, best * 3 + 1) + g * w;
      sums[best * 3 + 2] = at(sums, best * 3 + 2) + b * w;
    }
    for (let j = 0; j < k; j++) {
      const total = at(totals, j);
      if (total > 0) for (let c = 0; c < 3; c++) centre[j * 3 + c] = at(sums, j * 3 + c) / total;
    }
  }

  return {
    colors: toShares(
      Array.from({ length: k }, (_, j): [Rgb, number] => [[at(centre, j * 3), at(centre, j * 3 + 1), at(centre, j * 3 + 2)], at(totals, j)]),
      hex,
    ),
    predominant: { google: toShares([...names.entries()], (name) => name) },
  };
}
