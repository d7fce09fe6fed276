/**
 * Delete tokens (`return_delete_token`): a browser that uploaded a file may remove it again,
 * without a signature, for ten minutes, as on Cloudinary. The token is self-contained (the
 * asset's key and version, an expiry, and an HMAC under the api secret), so no table is
 * needed, and a token for a version that has since been overwritten deletes nothing.
 */
import { createHmac } from 'node:crypto';
import { safeEqual } from '../crypto/safe-equal.ts';
import type { AssetKey } from './media-assets.repository.ts';

/** Cloudinary's delete tokens are valid for ten minutes after the upload. */
export const DELETE_TOKEN_SECONDS = 600;

/** What a valid token names. */
export interface DeleteTokenClaims extends AssetKey {
  version: number;
}

const mac = (payload: string, secret: string) =>
  createHmac('sha256', secret).update(`delete_token:${payload}`).digest('base64url').slice(0, 32);

export function createDeleteToken(claims: DeleteTokenClaims, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const payload = Buffer.from(
    JSON.stringify([claims.resourceType, claims.type, claims.publicId, claims.version, nowSeconds + DELETE_TOKEN_SECONDS]),
  ).toString('base64url');
  return `${payload}.${mac(payload, secret)}`;
}

/** The claims of a genuine, unexpired token, else null. */
export function verifyDeleteToken(token: string, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): DeleteTokenClaims | null {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined || !safeEqual(signature, mac(payload, secret))) return null;
  const [resourceType, type, publicId, version, expiresAt] = JSON.parse(Buffer.from(payload, 'base64url').toString()) as [
    string,
    string,
    string,
    number,
    number,
  ];
  if (nowSeconds > expiresAt) return null;
  return { resourceType, type, publicId, version };
}
