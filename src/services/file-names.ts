/**
 * File names for what leaves the service (downloads, ZIP entries): taken from the name the
 * file was uploaded with, made safe on every system a user may unpack on (no path
 * separators, no control or reserved characters, no leading dots, no names Windows
 * reserves, bounded length), always with an extension, and unique within one archive.
 */

/** Characters no file system or unzip tool should receive in a name. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it removes
const UNSAFE = /[\u0000-\u001f\u007f"*/:<>?\\|]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;
/** UTF-8 bytes of a name (file systems count bytes; 255 is the usual limit). */
const MAX_NAME_BYTES = 200;

/** Shortens `text` to at most `bytes` UTF-8 bytes without cutting a character. */
function truncateBytes(text: string, bytes: number): string {
  let out = '';
  for (const char of text) {
    if (Buffer.byteLength(out + char) > bytes) break;
    out += char;
  }
  return out;
}

/**
 * A safe file name for an image: its original file name (or `fallback`) with unsafe
 * characters replaced, ending in `.<format>` unless it already has an extension.
 */
export function safeFileName(original: string | null, fallback: string, format: string): string {
  const raw = (original ?? '').trim() || fallback;
  // Only the last path segment: a name like "C:\\photos\\a.jpg" or "../a.jpg" keeps "a.jpg".
  const base = raw.split(/[/\\]/).pop() ?? '';
  let name = base.normalize('NFC').replace(UNSAFE, '_').replace(/^[\s.]+/, '').replace(/[\s.]+$/, '');
  const dot = name.lastIndexOf('.');
  let stem = dot > 0 ? name.slice(0, dot) : name;
  let ext = dot > 0 ? name.slice(dot + 1) : '';
  if (!/^[A-Za-z0-9]{1,8}$/.test(ext)) {
    stem = name;
    ext = /^[A-Za-z0-9]{1,8}$/.test(format) ? format : 'bin';
  }
  if (!stem || WINDOWS_RESERVED.test(stem)) stem = stem ? `${stem}_` : 'image';
  stem = truncateBytes(stem, MAX_NAME_BYTES - ext.length - 1).replace(/[\s.]+$/, '') || 'image';
  name = `${stem}.${ext}`;
  return name;
}

/**
 * Hands out names unique within one archive: a repeat becomes `name (2).ext`, `name (3).ext`,
 * ... Case is ignored when comparing, as on Windows and macOS file systems. The same
 * sequence of names always gives the same result.
 */
export class UniqueNames {
  private readonly taken = new Set<string>();

  take(name: string): string {
    const dot = name.lastIndexOf('.');
    const stem = name.slice(0, dot);
    const ext = name.slice(dot);
    let candidate = name;
    for (let n = 2; this.taken.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`;
    this.taken.add(candidate.toLowerCase());
    return candidate;
  }
}
