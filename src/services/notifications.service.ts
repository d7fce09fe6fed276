/**
 * The receiving end of the media host's notifications (`POST /api/v1/cloudinary?token=`),
 * for the embedded host and real Cloudinary alike: the token in the URL says which album and
 * organization the form was issued for; the X-Cld-Signature proves the host sent the body.
 * An upload notification creates the image once per (album, public_id) (uploaded-images.ts).
 */
import type { Config } from '../config.ts';
import { AppError, badRequest, unauthorized } from '../errors/app-error.ts';
import { TokenError, type TokenSigner } from '../auth/tokens.ts';
import { verifyNotification } from '../media/signing.ts';
import type { Repositories } from '../repositories/index.ts';
import { findOrCreateAlbum } from './album-creation.ts';
import { lockTenant } from './tenant-lock.ts';
import { imageFromReport, type UploadedImages } from './uploaded-images.ts';

export interface NotificationResult {
  status: 'created' | 'duplicate' | 'ignored';
  image_id: string | null;
}

export class NotificationsService {
  constructor(
    private readonly config: Config,
    private readonly repos: Repositories,
    private readonly signer: TokenSigner,
    private readonly uploads: UploadedImages,
  ) {}

  async receive(
    token: string | undefined,
    rawBody: string,
    headers: { timestamp?: string; signature?: string },
  ): Promise<NotificationResult> {
    const claims = await this.verifyToken(token);
    if (!verifyNotification(rawBody, headers.timestamp, headers.signature, this.config.cloudinary.apiSecret)) {
      throw new AppError('forbidden', 'Invalid or stale X-Cld-Signature');
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(rawBody);
    } catch {
      throw badRequest('Notification body is not JSON');
    }
    if (body === null || typeof body !== 'object') throw badRequest('Notification body is not a JSON object');
    // Error notifications, and kinds we do not act on, are acknowledged so the host stops retrying.
    if (body.notification_type !== 'upload') return { status: 'ignored', image_id: null };
    return this.recordUpload(claims.organizationId, claims.albumId, body);
  }

  private async verifyToken(token: string | undefined): Promise<{ organizationId: string; albumId: string }> {
    if (!token) throw unauthorized('Missing notification token');
    try {
      const claims = await this.signer.verify(token);
      if (typeof claims.album_id !== 'string' || typeof claims.organization_id !== 'string') {
        throw new TokenError('Not a notification token');
      }
      return { organizationId: claims.organization_id, albumId: claims.album_id };
    } catch (err) {
      if (err instanceof TokenError) throw unauthorized(err.message);
      throw err;
    }
  }

  private async recordUpload(organizationId: string, albumPublicId: string, body: Record<string, unknown>) {
    if (typeof body.public_id !== 'string' || !body.public_id) throw badRequest('Notification without public_id');
    return this.repos.transaction(async (repos) => {
      // The organization's write lock (tenant-lock.ts) orders this with moves, merges and deletes.
      const org = await lockTenant(repos, organizationId);
      // The form was issued for this album id; if the album was renamed or merged away since,
      // the upload still lands under the id the uploader was given.
      const album = await findOrCreateAlbum(repos, organizationId, albumPublicId, null);
      const image = imageFromReport(body, { organizationId, albumId: album.id, now: new Date().toISOString() });
      const { created } = await this.uploads.record(repos, org, album, image);
      return created ? { status: 'created' as const, image_id: image.id } : { status: 'duplicate' as const, image_id: null };
    });
  }
}
