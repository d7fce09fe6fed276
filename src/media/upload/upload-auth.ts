/**
 * Whether an upload request may be honoured, checked as Cloudinary checks it: the api_key
 * must be ours, the signature must cover the params (see signing.ts), and the timestamp must
 * not be more than an hour old. Forms carry a future timestamp (their expiry), which is fine
 * up to a form's lifetime ahead: a later one would make a form that never expires.
 * The same check guards every signed Upload API call (destroy, rename, explicit, tags, ...).
 */
import { MediaError as AppError, badRequest, unauthorized } from '../media-error.ts';
import { verifyUploadSignature } from '../signing.ts';
import type { CloudinaryCredentials } from '../credentials.ts';

/** How stale a signed timestamp may be, as Cloudinary allows. */
export const UPLOAD_TIMESTAMP_MAX_AGE_SECONDS = 3600;
/** How long a signed upload form stays usable; its timestamp is its expiry. */
export const UPLOAD_FORM_LIFETIME_SECONDS = 7 * 24 * 60 * 60;
/** Tolerated difference between the signer's clock and ours. */
const CLOCK_SKEW_SECONDS = 300;

export function checkUploadAuth(
  params: Record<string, string>,
  credentials: Pick<CloudinaryCredentials, 'apiKey' | 'apiSecret'>,
  nowSeconds = Math.floor(Date.now() / 1000),
): void {
  if (!params.api_key) throw new AppError('unauthorized', 'Must supply api_key');
  if (params.api_key !== credentials.apiKey) throw new AppError('unauthorized', `Unknown API key ${params.api_key}`);
  if (!params.signature) throw new AppError('unauthorized', 'Must supply signature (unsigned uploads are not enabled)');
  if (!params.timestamp || !/^\d+$/.test(params.timestamp)) throw new AppError('unauthorized', 'Must supply timestamp');
  if (!verifyUploadSignature(params, credentials.apiSecret)) {
    throw new AppError('unauthorized', 'Invalid Signature. String to sign does not match the request params.');
  }
  const age = nowSeconds - Number(params.timestamp);
  if (age > UPLOAD_TIMESTAMP_MAX_AGE_SECONDS) {
    throw new AppError('unauthorized', `Stale request - reported time is ${age} seconds old (more than 1 hour)`);
  }
  if (-age > UPLOAD_FORM_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
    throw new AppError('unauthorized', `Invalid timestamp - reported time is ${-age} seconds ahead, more than a form's lifetime`);
  }
}

/** Finds an upload preset by name (UploadPresets.get), or null. */
export type PresetLookup<P extends { unsigned: boolean }> = (name: string) => Promise<P | null>;

/** The preset an unsigned upload names: unknown is a 400, one that is not unsigned a 401, as at Cloudinary. */
export async function requireUnsignedPreset<P extends { unsigned: boolean }>(name: string, lookup: PresetLookup<P>): Promise<P> {
  const preset = await lookup(name);
  if (!preset) throw badRequest(`Upload preset not found: ${name}`);
  if (!preset.unsigned) throw unauthorized('Upload preset must be whitelisted for unsigned uploads');
  return preset;
}

/**
 * The check made when the file part starts, so that a request that cannot succeed is refused
 * before its file is read. When params came before the file (as browsers' FormData in order
 * and Cloudinary's SDKs send them), they must hold the whole signed set and verify now; a
 * form that sends its file first is checked once everything has arrived.
 */
export function checkSignedBeforeFile(
  params: Record<string, string>,
  credentials: Pick<CloudinaryCredentials, 'apiKey' | 'apiSecret'>,
  nowSeconds = Math.floor(Date.now() / 1000),
): void {
  if (Object.keys(params).length > 0) checkUploadAuth(params, credentials, nowSeconds);
}

/**
 * checkSignedBeforeFile for an upload, which may instead be unsigned: then it must name a
 * preset that exists and allows unsigned uploads, or its file is not read either.
 */
export async function checkUploadAuthBeforeFile(
  params: Record<string, string>,
  credentials: Pick<CloudinaryCredentials, 'apiKey' | 'apiSecret'>,
  presets: PresetLookup<{ unsigned: boolean }>,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<void> {
  // Which params an unsigned preset lets the upload set is checked once the form is read (upload-route.ts).
  if (params.upload_preset && !params.signature) await requireUnsignedPreset(params.upload_preset, presets);
  else checkSignedBeforeFile(params, credentials, nowSeconds);
}
