/** Side of the greyscale square the hash is computed on. */
export const PHASH_SIZE = 32;

const LOW = 8;

// cos((2x+1)uπ/2N) for the 1..8 low frequencies only: the hash never needs the others.
const COS: Float64Array[] = Array.from({ length: LOW }, (_, i) => {
  const u = i + 1;
  const row = new Float64Array(PHASH_SIZE);
  for (let x = 0; x < PHASH_SIZE; x++) row[x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * PHASH_SIZE));
  return row;
});

/**
 * 64-bit DCT perceptual hash of a 32×32 greyscale image (row-major luma, any numeric scale):
 * one bit per coefficient of the 8×8 lowest non-DC frequencies, set when above their median.
 * The DC row and column are skipped as they carry only overall brightness and gradients along
 * one axis, which recompression and resizing preserve anyway. Returns 16 lowercase hex digits.
 */
export function phashFromGrey(grey: ArrayLike<number>): string {
  if (grey.length !== PHASH_SIZE * PHASH_SIZE) throw new RangeError(`expected ${PHASH_SIZE}×${PHASH_SIZE} pixels`);
  // Separable DCT: columns first (8 frequencies × 32 columns), then rows.
  const partial = new Float64Array(LOW * PHASH_SIZE);
  for (let v = 0; v < LOW; v++) {
    const cv = COS[v]!;
    for (let x = 0; x < PHASH_SIZE; x++) {
      let sum = 0;
      for (let y = 0; y < PHASH_SIZE; y++) sum += cv[y]! * grey[y * PHASH_SIZE + x]!;
      partial[v * PHASH_SIZE + x] = sum;
    }
  }
  const coefficients = new Float64Array(LOW * LOW);
  for (let v = 0; v < LOW; v++) {
    for (let u = 0; u < LOW; u++) {
      const cu = COS[u]!;
      let sum = 0;
      for (let x = 0; x < PHASH_SIZE; x++) sum += cu[x]! * partial[v * PHASH_SIZE + x]!;
      coefficients[v * LOW + u] = sum;
    }
  }
  const sorted = Float64Array.from(coefficients).sort();
  const median = (sorted[31]! + sorted[32]!) / 2;
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0;
    for (let bit = 0; bit < 4; bit++) value = (value << 1) | (coefficients[nibble * 4 + bit]! > median ? 1 : 0);
    hex += value.toString(16);
  }
  return hex;
}

const HASH_PATTERN = /^[0-9a-f]{16}$/i;

/** Number of differing bits between two 16-hex-digit hashes (0..64). */
export function hammingDistance(a: string, b: string): number {
  if (!HASH_PATTERN.test(a) || !HASH_PATTERN.test(b)) throw new TypeError('hashes must be 16 hexadecimal digits');
  let distance = 0;
  for (let i = 0; i < 16; i++) {
    let x = parseInt(a[i]!, 16) ^ parseInt(b[i]!, 16);
    while (x) {
      distance += x & 1;
      x >>= 1;
    }
  }
  return distance;
}
