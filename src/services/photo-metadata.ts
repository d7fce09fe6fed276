/**
 * What the API reads from a host's `image_metadata` (exiftool-style strings, as Cloudinary
 * reports them): GPS position and capture time. Works the same for the embedded host and for
 * real Cloudinary, which is why it reads the strings rather than anything host-specific.
 */

/** `48 deg 51' 30.24" N`, `48.8584`, or `48, 51, 30.24` with a separate ref. */
function coordinate(value: string | undefined, ref: string | undefined, limit: number): number | null {
  if (!value) return null;
  const numbers = value.match(/-?\d+(?:\.\d+)?/g)?.map(Number) ?? [];
  if (!numbers.length || numbers.length > 3) return null;
  const [d = 0, m = 0, s = 0] = numbers;
  let decimal = Math.abs(d) + m / 60 + s / 3600;
  const hemisphere = (/[NSEW]\s*$/i.exec(value)?.[0] ?? ref ?? '').trim().toUpperCase();
  if (d < 0 || hemisphere.startsWith('S') || hemisphere.startsWith('W')) decimal = -decimal;
  if (!Number.isFinite(decimal) || Math.abs(decimal) > limit) return null;
  return Math.round(decimal * 1e6) / 1e6;
}

/** `[lat, lng]` from GPSLatitude/GPSLongitude (and their refs), or null. */
export function gpsOf(metadata: Record<string, unknown>): [number, number] | null {
  const text = (key: string) => (typeof metadata[key] === 'string' ? (metadata[key] as string) : undefined);
  const lat = coordinate(text('GPSLatitude'), text('GPSLatitudeRef'), 90);
  const lng = coordinate(text('GPSLongitude'), text('GPSLongitudeRef'), 180);
  return lat !== null && lng !== null ? [lat, lng] : null;
}

/** DateTimeOriginal (else CreateDate) as ISO-8601 local time, with its offset when recorded. */
export function takenAtOf(metadata: Record<string, unknown>): string | null {
  for (const [key, offsetKey] of [
    ['DateTimeOriginal', 'OffsetTimeOriginal'],
    ['CreateDate', 'OffsetTimeDigitized'],
  ] as const) {
    const raw = metadata[key];
    if (typeof raw !== 'string') continue;
    const m = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(raw.trim());
    if (!m || m[1] === '0000') continue;
    const offset = metadata[offsetKey];
    const tz = typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset) ? offset : '';
    return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${tz}`;
  }
  return null;
}
