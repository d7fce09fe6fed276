/**
 * The signed direct-upload form an album carries: the browser posts files with these params
 * straight to the media host, which calls `notification_url` for each stored image.
 */
import type { Config } from '../config.ts';
import type { Actor } from '../auth/permissions.ts';
import { nowSeconds, type TokenSigner } from '../auth/tokens.ts';
import { signUploadParams } from '../media/signing.ts';
import { UPLOAD_FORM_LIFETIME_SECONDS } from '../media/upload/upload-auth.ts';
import { mediaEndpoints } from './media-endpoints.ts';

/** A form is valid for 7 days, as in the seed (expires_at - iat = 604800); the host refuses later timestamps. */
export const UPLOAD_FORM_TTL_SECONDS = UPLOAD_FORM_LIFETIME_SECONDS;
/**
 * The notification token outlives the form by a day: the host accepts a form's timestamp for
 * an hour past it, and a notification may be retried for hours after the upload.
 */
export const NOTIFICATION_TOKEN_GRACE_SECONDS = 24 * 60 * 60;

export interface UploadForm {
  url: string;
  expires_at: number;
  name: string;
  id: string;
  params: {
    colors: 1;
    faces: 1;
    image_metadata: 1;
    notification_url: string;
    phash: 1;
    tags: string;
    timestamp: number;
    type: 'authenticated';
    signature: string;
    api_key: string;
  };
  test_url: string;
}

/** How many forms are kept for reuse within one second (the reads of one hot album need one). */
const UPLOAD_FORM_CACHE_SIZE = 1000;

/**
 * Builds the forms. A form is a function of the caller, the album and the second it is built
 * in (its timestamp and its notification token's `iat`/`exp` are that second plus fixed
 * lifetimes; both signatures are deterministic), so the forms built in the current second
 * are kept and handed out again to the same caller for the same album, identical to what
 * signing them anew would give. When the second changes they are all dropped: a form is
 * never older than one built now would be. At most UPLOAD_FORM_CACHE_SIZE are kept.
 */
export class UploadFormService {
  private cacheSecond = -1;
  private readonly cache = new Map<string, UploadForm>();

  constructor(
    private readonly config: Config,
    private readonly signer: TokenSigner,
  ) {}

  /** The form (frozen: it may be shared by several answers). */
  async build(actor: Actor, album: { public_id: string; organization_id: string }): Promise<UploadForm> {
    const iat = nowSeconds();
    if (iat !== this.cacheSecond) {
      this.cache.clear();
      this.cacheSecond = iat;
    }
    const caller = actor.userId ? `u${actor.userId}` : `s${actor.secretId}`;
    const key = `${caller}\n${album.organization_id}\n${album.public_id}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const form = await this.sign(actor, album, iat);
    // Signing awaited: the second may have changed meanwhile, and the cache with it.
    if (this.cacheSecond === iat && this.cache.size < UPLOAD_FORM_CACHE_SIZE) this.cache.set(key, form);
    return form;
  }

  private async sign(actor: Actor, album: { public_id: string; organization_id: string }, iat: number): Promise<UploadForm> {
    const expiresAt = iat + UPLOAD_FORM_TTL_SECONDS;
    const notificationToken = await this.signer.sign({
      exp: expiresAt + NOTIFICATION_TOKEN_GRACE_SECONDS,
      iat,
      ...(actor.userId ? { user_id: actor.userId } : { iss: actor.secretId }),
      album_id: album.public_id,
      organization_id: album.organization_id,
    });
    const signed = {
      colors: 1 as const,
      faces: 1 as const,
      image_metadata: 1 as const,
      notification_url: `${this.config.publicUrl}/api/v1/cloudinary?token=${notificationToken}`,
      phash: 1 as const,
      tags: album.public_id,
      timestamp: expiresAt,
      type: 'authenticated' as const,
    };
    return Object.freeze({
      url: mediaEndpoints(this.config).uploadUrl,
      expires_at: expiresAt,
      name: album.public_id,
      id: `${album.organization_id}-${album.public_id}`,
      params: Object.freeze({
        ...signed,
        signature: signUploadParams(signed, this.config.cloudinary.apiSecret),
        api_key: this.config.cloudinary.apiKey,
      }),
      test_url: '/upload_test',
    });
  }
}
