/**
 * Cloudinary's signatures, in one place: upload-request signatures (forms), the upload
 * response signature, notification signatures (X-Cld-Signature) and delivery URL signatures.
 * Algorithms follow Cloudinary's documentation and its official SDK (signature version 2).
 */
import { createHash } from 'node:crypto';
import { safeEqual } from '../crypto/safe-equal.ts';

export type SignatureAlgorithm = 'sha1' | 'sha256';

/** Parameters never covered by an upload signature. */
const UNSIGNED_UPLOAD_PARAMS = new Set(['file', 'cloud_name', 'resource_type', 'api_key', 'signature']);

type ParamValue = string | number | boolean | null | undefined | Array<string | number>;

/**
 * The string Cloudinary signs for an API request: present params sorted by key, arrays
 * joined with commas, `key=value` pairs joined with `&`, and any `&` inside a pair escaped
 * as `%26` so that a value cannot smuggle in another parameter.
 */
export function uploadStringToSign(params: Record<string, ParamValue>): string {
  return Object.entries(params)
    .filter(([key]) => !UNSIGNED_UPLOAD_PARAMS.has(key))
    .map(([key, value]) => [key, Array.isArray(value) ? value.join(',') : value] as const)
    .filter(([, value]) => value !== null && value !== undefined && String(value) !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${String(value)}`.replace(/&/g, '%26'))
    .join('&');
}

function hashHex(input: string, algorithm: SignatureAlgorithm): string {
  return createHash(algorithm).update(input).digest('hex');
}

/** Signs upload params the way Cloudinary's `api_sign_request` does. */
export function signUploadParams(
  params: Record<string, ParamValue>,
  apiSecret: string,
  algorithm: SignatureAlgorithm = 'sha1',
): string {
  return hashHex(uploadStringToSign(params) + apiSecret, algorithm);
}

/**
 * Checks an upload request's signature. The algorithm is the request's `signature_algorithm`
 * when given, else told by the signature's length (40 hex digits SHA-1, 64 SHA-256).
 */
export function verifyUploadSignature(params: Record<string, ParamValue>, apiSecret: string): boolean {
  const signature = typeof params.signature === 'string' ? params.signature.toLowerCase() : '';
  const requested = params.signature_algorithm;
  const algorithm: SignatureAlgorithm =
    requested === 'sha256' || (requested === undefined && signature.length === 64) ? 'sha256' : 'sha1';
  if (requested !== undefined && requested !== 'sha1' && requested !== 'sha256') return false;
  return safeEqual(signature, signUploadParams(params, apiSecret, algorithm));
}

/** The `signature` field of an upload response: SHA-1 of `public_id=<id>&version=<v>` + secret. */
export function signUploadResponse(publicId: string, version: number, apiSecret: string): string {
  return hashHex(`public_id=${publicId}&version=${version}${apiSecret}`, 'sha1');
}

/** X-Cld-Signature of a notification: hex hash of body + timestamp + secret. */
export function signNotification(
  body: string,
  timestamp: number | string,
  apiSecret: string,
  algorithm: SignatureAlgorithm = 'sha1',
): string {
  return hashHex(`${body}${timestamp}${apiSecret}`, algorithm);
}

/** Notifications are honoured for two hours after their timestamp, as the SDK's default. */
export const NOTIFICATION_VALID_SECONDS = 7200;

/** Checks a notification's signature and freshness; SHA-256 signatures are told by length. */
export function verifyNotification(
  body: string,
  timestamp: string | undefined,
  signature: string | undefined,
  apiSecret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  const ts = Number(timestamp);
  if (ts < nowSeconds - NOTIFICATION_VALID_SECONDS || ts > nowSeconds + NOTIFICATION_VALID_SECONDS) return false;
  const algorithm: SignatureAlgorithm = signature.length === 64 ? 'sha256' : 'sha1';
  return safeEqual(signature.toLowerCase(), signNotification(body, timestamp, apiSecret, algorithm));
}

/**
 * A delivery URL's signature component (without the `s--`/`--` frame): URL-safe base64 of a
 * hash over `<transformations>/<public_id>[.<ext>]` + secret, cut to 8 characters (SHA-1, or
 * SHA-256 with the SDK's `signature_algorithm: 'sha256'`) or to 32 (SHA-256, the SDK's
 * `long_url_signature`). The version is not signed.
 */
export function signDeliveryPath(
  toSign: string,
  apiSecret: string,
  algorithm: SignatureAlgorithm = 'sha1',
  length: 8 | 32 = 8,
): string {
  return createHash(algorithm)
    .update(toSign + apiSecret)
    .digest('base64')
    .slice(0, length)
    .replace(/\//g, '_')
    .replace(/\+/g, '-');
}
