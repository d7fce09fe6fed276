/**
 * Cloudinary's upload options, read from the request's string params with Cloudinary's
 * encodings (the official SDK's `encode_context`, `build_eager`, comma-joined tags) and
 * semantics (`overwrite` true unless said otherwise, `unique_filename` true with
 * `use_filename`, folders and `public_id_prefix` before the id).
 */
import { randomBytes } from 'node:crypto';
import { badRequest } from '../media-error.ts';

const PUBLIC_ID = /^[\w\-.~ @()!,]+(\/[\w\-.~ @()!,]+)*$/u;

/** `1` or `true`, as the SDK sends booleans. */
export const isTrue = (value: string | undefined): boolean => value === '1' || value === 'true';
/** `0` or `false`: an option explicitly switched off. */
export const isFalse = (value: string | undefined): boolean => value === '0' || value === 'false';

/** Tags from `a,b` (also what `tags[]` fields were joined into). */
export function parseTags(value: string | undefined): string[] {
  if (!value) return [];
  return [...new Set(value.split(',').map((t) => t.trim()).filter(Boolean))];
}

/**
 * `key=value|key2=value2` with `\|` and `\=` escaping those characters in values, as the SDK's
 * `encode_context` writes context and metadata; a JSON object is taken too.
 */
export function parseKeyValues(value: string | undefined, what: string): Record<string, string> {
  if (!value) return {};
  if (value.trimStart().startsWith('{')) {
    try {
      const parsed = JSON.parse(value) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
      }
    } catch {
      // not JSON: read as pairs below, where it will fail clearly
    }
    throw badRequest(`Invalid ${what}: not a JSON object`);
  }
  const out: Record<string, string> = {};
  for (const pair of value.split(/(?<!\\)\|/)) {
    if (pair === '') continue;
    const eq = pair.search(/(?<!\\)=/);
    const key = (eq < 0 ? pair : pair.slice(0, eq)).replace(/\\([|=])/g, '$1').trim();
    if (!key) throw badRequest(`Invalid ${what}: ${JSON.stringify(pair)}`);
    out[key] = eq < 0 ? '' : pair.slice(eq + 1).replace(/\\([|=])/g, '$1');
  }
  return out;
}

/** Writes pairs back as the SDK encodes them. */
export function encodeKeyValues(values: Record<string, string>): string {
  const escape = (s: string) => s.replace(/([|=])/g, '\\$1');
  return Object.entries(values)
    .map(([k, v]) => `${escape(k)}=${escape(v)}`)
    .join('|');
}

/** One eager derivative asked for: a transformation and, optionally, the format to make. */
export interface EagerRequest {
  transformation: string;
  format?: string;
}

/**
 * `eager`: derivatives separated by `|`, each a transformation whose last `/` part may be a
 * bare format (`c_fill,w_100/png`), as the SDK's `build_eager` writes them.
 */
export function parseEager(value: string | undefined): EagerRequest[] {
  if (!value) return [];
  return value
    .split('|')
    .filter(Boolean)
    .map((entry) => {
      const parts = entry.split('/');
      const last = parts[parts.length - 1] as string;
      if (parts.length > 0 && /^[a-z0-9]{2,5}$/i.test(last) && !last.includes('_')) {
        return { transformation: parts.slice(0, -1).join('/'), format: last.toLowerCase() };
      }
      return { transformation: entry };
    });
}

function checkPublicId(publicId: string): string {
  if (publicId.length > 255 || !PUBLIC_ID.test(publicId) || publicId.split('/').some((p) => p === '.' || p === '..')) {
    throw badRequest(`Invalid public_id ${JSON.stringify(publicId)}`);
  }
  return publicId;
}

/** A file name's base made safe as a public id part. */
function fromFilename(filename: string): string {
  const base = filename.replace(/\.[^.]*$/, '');
  return base.replace(/[^\w\-.~@()!,]/gu, '_').replace(/^\.+/, '_').slice(0, 200) || 'file';
}

const randomId = (length: number) =>
  randomBytes(length).toString('base64url').replace(/[-_]/g, '').slice(0, length).toLowerCase() || 'x';

/**
 * The public id an upload gets: `public_id`, else the file's name with `use_filename`
 * (plus a random suffix unless `unique_filename` is false), else a random id; then
 * `public_id_prefix` and `folder` in front. Raw files keep their extension in the id.
 */
export function choosePublicId(params: Record<string, string>, filename: string, raw: boolean): string {
  let base: string;
  if (params.public_id) base = params.public_id;
  else if (isTrue(params.use_filename)) {
    const name = fromFilename(filename);
    base = isFalse(params.unique_filename) ? name : `${name}_${randomId(6)}`;
  } else base = randomId(20);
  if (raw && !params.public_id) {
    const ext = /\.([A-Za-z0-9]{1,8})$/.exec(filename)?.[1];
    if (ext) base = `${base}.${ext.toLowerCase()}`;
  }
  const parts = [params.folder, params.public_id_prefix, base].map((p) => p?.replace(/^\/+|\/+$/g, '')).filter(Boolean);
  return checkPublicId(parts.join('/'));
}

/** The name an upload reports as `original_filename`: `filename_override`, else the file's, without extension. */
export function originalFilename(params: Record<string, string>, filename: string): string {
  return (params.filename_override ?? filename).replace(/\.[^.]*$/, '') || 'file';
}

/** Validates a public id given to rename, destroy and the like. */
export function publicIdParam(value: string | undefined, name = 'public_id'): string {
  if (!value) throw badRequest(`Missing required parameter - ${name}`);
  return checkPublicId(value);
}
