import exifr from 'exifr';

/** What the embedded EXIF/IPTC/XMP says about a photo. */
export interface EmbeddedMetadata {
  /** Flat tag → string map, like Cloudinary's `image_metadata`. */
  imageMetadata: Record<string, string>;
  /** `[latitude, longitude]` in signed decimal degrees, or null. */
  gps: [number, number] | null;
  /** DateTimeOriginal (else CreateDate) as ISO-8601, with the EXIF offset when one is recorded. */
  takenAt: string | null;
}

const EMPTY: EmbeddedMetadata = { imageMetadata: {}, gps: null, takenAt: null };

const PARSE_OPTIONS = {
  tiff: true,
  exif: true,
  gps: true,
  iptc: true,
  xmp: true,
  icc: false,
  jfif: false,
  ihdr: false,
  interop: false,
  ifd1: false,
  makerNote: false,
  userComment: false,
  mergeOutput: true,
  // Human-readable enums ("Rotate 90 CW") like Cloudinary shows, but raw date strings: revived
  // Dates would be placed in the server's time zone, which the camera never said anything about.
  translateValues: true,
  reviveValues: false,
  sanitize: true,
} as const;

/** Keys exifr computes rather than reads; `gps` carries them. */
const COMPUTED_KEYS = new Set(['latitude', 'longitude']);
const MAX_VALUE_LENGTH = 1000;

function dms(value: unknown, ref: unknown): string | null {
  if (!Array.isArray(value) || value.length !== 3 || !value.every((n) => typeof n === 'number')) return null;
  const [d, m, s] = value as number[];
  return `${d} deg ${m}' ${Number(s!.toFixed(2))}"${typeof ref === 'string' ? ` ${ref}` : ''}`;
}

function stringify(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value.trim() || null;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Uint8Array) {
    // Version tags ("0232") are ASCII bytes; anything else binary has no useful string form.
    return value.length > 0 && value.length <= 64 && value.every((b) => b >= 0x20 && b < 0x7f)
      ? Buffer.from(value).toString('latin1')
      : null;
  }
  if (Array.isArray(value)) {
    const parts = value.map(stringify).filter((s): s is string => s !== null);
    return parts.length > 0 ? parts.join(', ') : null;
  }
  if (typeof value === 'object') {
    // XMP language alternatives come as { lang, value }.
    if ('value' in value) return stringify((value as { value: unknown }).value);
    return JSON.stringify(value);
  }
  return null;
}

function isoDate(raw: unknown, offset: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?/.exec(raw.trim());
  if (!m) return null;
  const [, year, month, day, hour, minute, second, fraction] = m;
  // Cameras with an unset clock write all zeroes.
  if (year === '0000' || month === '00' || day === '00') return null;
  const tz = typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset.trim()) ? offset.trim() : '';
  return `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction ?? ''}${tz}`;
}

function coordinate(value: unknown, limit: number): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > limit) return null;
  // Six decimals is ~0.1 m; beyond that the digits are float noise from the DMS conversion.
  return Math.round(value * 1e6) / 1e6;
}

/**
 * Reads EXIF, GPS, IPTC and XMP from an encoded image. Never throws: a file whose metadata
 * exifr cannot read (unsupported container, damaged segments) simply has none.
 */
export async function readEmbeddedMetadata(file: Buffer): Promise<EmbeddedMetadata> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = (await exifr.parse(file, PARSE_OPTIONS)) as Record<string, unknown> | undefined;
  } catch {
    return EMPTY;
  }
  if (!tags) return EMPTY;

  const imageMetadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    if (COMPUTED_KEYS.has(key)) continue;
    const text =
      key === 'GPSLatitude' || key === 'GPSLongitude' ? dms(value, tags[`${key}Ref`]) ?? stringify(value) : stringify(value);
    if (text !== null) imageMetadata[key] = text.length > MAX_VALUE_LENGTH ? text.slice(0, MAX_VALUE_LENGTH) : text;
  }

  const lat = coordinate(tags.latitude, 90);
  const lng = coordinate(tags.longitude, 180);
  const takenAt =
    isoDate(tags.DateTimeOriginal, tags.OffsetTimeOriginal) ?? isoDate(tags.CreateDate, tags.OffsetTimeDigitized);
  return { imageMetadata, gps: lat !== null && lng !== null ? [lat, lng] : null, takenAt };
}
