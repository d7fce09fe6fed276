/**
 * Cloudinary's delivery URL grammar:
 * `/<cloud>/<resource_type>/<type>/[s--<sig>--/][<transformation>/...][v<version>/]<public_id>[.<ext>]`.
 * Parsing, signature checks and building all live here so that the URLs the API hands out and
 * the URLs the embedded host accepts cannot drift apart, and match the official SDK's.
 */
import { safeEqual } from '../../crypto/safe-equal.ts';
import { signDeliveryPath } from '../signing.ts';

/** Longest URL answered other than 414, on the API's paths too (delivery URLs chain transformations, but not for kilobytes). */
export const MAX_URL_LENGTH = 8192;

/** A delivery path that does not follow the grammar. */
export class DeliveryUrlError extends Error {
  readonly statusCode = 400;

  constructor(message: string) {
    super(message);
    this.name = 'DeliveryUrlError';
  }
}

/** The parts of a delivery path. */
export interface ParsedDeliveryPath {
  cloud: string;
  resourceType: string;
  /** Delivery type: `upload`, `authenticated`, `private`, ... */
  type: string;
  /** The 8 or 32 characters between `s--` and `--`, or null for an unsigned URL. */
  signature: string | null;
  /** Transformation components joined by `/`, as they appear in the URL; '' when none. */
  transformation: string;
  version: number | null;
  /** Decoded public id, folders included (and, for raw files, their extension). */
  publicId: string;
  /** '' when the URL names none: the stored format is served, as by Cloudinary. */
  ext: string;
}

const RESOURCE_TYPES = new Set(['image', 'video', 'raw']);

/**
 * Keys of Cloudinary's URL transformation parameters. A path segment is a transformation
 * only when every comma-separated part starts with one of them (or a `$variable`): this is how
 * a folder such as `my_photos/` stays part of the public id, as on Cloudinary.
 */
const TRANSFORMATION_KEYS = new Set([
  'a', 'ac', 'af', 'ar', 'b', 'bo', 'br', 'c', 'co', 'cs', 'd', 'dl', 'dn', 'dpr', 'du', 'e', 'eo',
  'f', 'fl', 'fn', 'fps', 'g', 'h', 'if', 'ki', 'l', 'o', 'p', 'pg', 'q', 'r', 'so', 'sp', 't', 'u',
  'vc', 'vs', 'w', 'x', 'y', 'z',
]);

function isTransformationComponent(segment: string): boolean {
  return segment.split(',').every((param) => {
    const match = /^(\$?[a-z][a-z0-9]*)_./i.exec(param);
    return match?.[1] !== undefined && (match[1].startsWith('$') || TRANSFORMATION_KEYS.has(match[1]));
  });
}

const SIGNATURE = /^s--([A-Za-z0-9_-]{8}|[A-Za-z0-9_-]{32})--$/;
const VERSION = /^v(\d{1,15})$/;

/** Parses a delivery path (a query string, such as the SDK's `?_a=`, is ignored). */
export function parseDeliveryPath(path: string): ParsedDeliveryPath {
  const pathname = path.split(/[?#]/, 1)[0] ?? '';
  const [empty, cloud, resourceType, type, ...rest] = pathname.split('/');
  if (empty !== '' || !cloud || !resourceType || !type) throw new DeliveryUrlError('Incomplete delivery path');
  if (!/^[A-Za-z0-9_-]+$/.test(cloud)) throw new DeliveryUrlError('Invalid cloud name');
  if (!RESOURCE_TYPES.has(resourceType)) throw new DeliveryUrlError(`Unknown resource type: ${resourceType}`);
  if (!/^[a-z_]+$/.test(type)) throw new DeliveryUrlError(`Invalid delivery type: ${type}`);
  if (rest.length === 0 || rest.includes('')) throw new DeliveryUrlError('Missing or empty path segment');

  let i = 0;
  let signature: string | null = null;
  if (rest[0]?.startsWith('s--')) {
    const match = SIGNATURE.exec(rest[0]);
    if (!match?.[1]) throw new DeliveryUrlError('Malformed signature');
    signature = match[1];
    i = 1;
  }
  const components: string[] = [];
  // The last segment always names the file, so it is never read as a transformation.
  while (i < rest.length - 1 && isTransformationComponent(rest[i] as string)) components.push(rest[i++] as string);
  let version: number | null = null;
  const versionMatch = i < rest.length - 1 ? VERSION.exec(rest[i] as string) : null;
  if (versionMatch) {
    version = Number(versionMatch[1]);
    i += 1;
  }

  const file = rest.slice(i).join('/');
  // A raw file's extension is part of its public id; an image's names the format to deliver.
  const dot = resourceType === 'raw' ? -1 : file.lastIndexOf('.');
  const slash = file.lastIndexOf('/');
  const hasExt = dot > 0 && dot > slash + 1;
  const name = hasExt ? file.slice(0, dot) : file;
  const ext = hasExt ? file.slice(dot + 1) : '';
  if (name === '' || name.endsWith('/') || file.slice(slash + 1).startsWith('.') || (hasExt && !/^[A-Za-z0-9]{1,8}$/.test(ext))) {
    throw new DeliveryUrlError('Missing public id or malformed file extension');
  }
  let publicId: string;
  try {
    publicId = decodeURIComponent(name);
  } catch {
    throw new DeliveryUrlError('Malformed percent-encoding in public id');
  }
  // No stored public id holds a control character, and PostgreSQL text cannot hold NUL at all.
  if (/\p{Cc}/u.test(publicId)) throw new DeliveryUrlError('Control character in public id');
  return { cloud, resourceType, type, signature, transformation: components.join('/'), version, publicId, ext };
}

/** The SDK's escaping of a public id in URLs (`/` and `:` kept), which is also what it signs. */
function encodePublicId(publicId: string): string {
  return encodeURIComponent(publicId).replace(/%3A/g, ':').replace(/%2F/g, '/');
}

function stringToSign(transformation: string, publicId: string, ext: string): string {
  const source = ext ? `${encodePublicId(publicId)}.${ext}` : encodePublicId(publicId);
  return transformation ? `${transformation}/${source}` : source;
}

/**
 * Checks a parsed path's signature: `<transformation>/<public_id>[.<ext>]` (the version is
 * not signed). 8 characters are SHA-1 or SHA-256 (the SDK's `signature_algorithm`), 32 are
 * SHA-256 (`long_url_signature`). An unsigned path does not verify.
 */
export function verifyDeliverySignature(parsed: ParsedDeliveryPath, apiSecret: string): boolean {
  if (parsed.signature === null) return false;
  const toSign = stringToSign(parsed.transformation, parsed.publicId, parsed.ext);
  if (parsed.signature.length === 32) return safeEqual(parsed.signature, signDeliveryPath(toSign, apiSecret, 'sha256', 32));
  return (
    safeEqual(parsed.signature, signDeliveryPath(toSign, apiSecret, 'sha1')) ||
    safeEqual(parsed.signature, signDeliveryPath(toSign, apiSecret, 'sha256'))
  );
}

/** One transformation component by parameter key (`{ c: 'fill', w: 200 }`), as the SDK's short form. */
export type TransformationComponent = Readonly<Record<string, string | number>>;

/** What `buildDeliveryUrl` needs. */
export interface DeliveryUrlOptions {
  /**
   * Scheme and host (and any path prefix), e.g. `http://127.0.0.1:3000` or
   * `https://res.cloudinary.com`; '' gives a root-relative path.
   */
  baseUrl: string;
  cloud: string;
  /** `image` when absent. */
  resourceType?: string;
  /** Delivery type; `upload` when absent. */
  type?: string;
  /** A ready string (used as is) or components whose params are sorted as the SDK does. */
  transformation?: string | readonly TransformationComponent[];
  version?: number | null;
  publicId: string;
  /** '' for none (raw files, or the stored format). */
  ext: string;
  /** Needed when `sign` is true. */
  apiSecret?: string;
  sign?: boolean;
}

function transformationString(transformation: DeliveryUrlOptions['transformation']): string {
  if (transformation === undefined) return '';
  if (typeof transformation === 'string') return transformation;
  return transformation
    .map((component) =>
      Object.entries(component)
        .filter(([, value]) => String(value) !== '')
        .map(([key, value]) => `${key}_${value}`)
        .sort()
        .join(','),
    )
    .filter((component) => component !== '')
    .join('/');
}

/**
 * Builds the URL `cloudinary.url(publicId, { sign_url, type, version, format, transformation,
 * urlAnalytics: false })` gives, on `baseUrl` instead of Cloudinary's host. Like the SDK, a
 * public id in a folder gets `v1` when no version is given, so that its folders cannot be
 * read as transformations or a version.
 */
export function buildDeliveryUrl(options: DeliveryUrlOptions): string {
  const transformation = transformationString(options.transformation);
  let version = options.version ?? null;
  if (version === null && options.publicId.includes('/') && !/^v[0-9]+/.test(options.publicId)) version = 1;
  let signature: string | null = null;
  if (options.sign) {
    if (!options.apiSecret) throw new Error('buildDeliveryUrl: sign needs apiSecret');
    signature = `s--${signDeliveryPath(stringToSign(transformation, options.publicId, options.ext), options.apiSecret)}--`;
  }
  const parts = [
    options.cloud,
    options.resourceType ?? 'image',
    options.type ?? 'upload',
    signature,
    transformation,
    version === null ? null : `v${version}`,
    options.ext ? `${encodePublicId(options.publicId)}.${options.ext}` : encodePublicId(options.publicId),
  ];
  return `${options.baseUrl.replace(/\/+$/, '')}/${parts.filter((part) => part !== null && part !== '').join('/')}`;
}
