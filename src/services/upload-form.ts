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

export class UploadFormService {
  constructor(
    private readonly config: Config,
    private readonly signer: TokenSigner,
  ) {}

  async build(actor: Actor, album: { public_id: string; organization_id: string }): Promise<UploadForm> {
    const iat = nowSeconds();
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
    return {
      url: mediaEndpoints(this.config).uploadUrl,
      expires_at: expiresAt,
      name: album.public_id,
      id: `${album.organization_id}-${album.public_id}`,
      params: {
        ...signed,
        signature: signUploadParams(signed, this.config.cloudinary.apiSecret),
        api_key: this.config.cloudinary.apiKey,
      },
      test_url: '/upload_test',
    };
  }
}
