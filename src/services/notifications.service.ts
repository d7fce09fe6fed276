/**
 * The receiving end of the media host's notifications (`POST /api/v1/cloudinary?token=`),
 * for the embedded host and real Cloudinary alike: the token in the URL says which album and
 * organization the form was issued for; the X-Cld-Signature proves the host sent the body.
 * An upload notification creates the image once per (album, public_id).
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { Database } from '../db/schema.ts';
import { AppError, badRequest, unauthorized } from '../errors/app-error.ts';
import { TokenError, type TokenSigner } from '../auth/tokens.ts';
import { verifyNotification } from '../media/signing.ts';
import { type ImageRow, UNEDITED_IMAGE } from '../repositories/images.repository.ts';
import { inTransaction } from '../repositories/index.ts';
import type { ImagePresenter } from './image-presenter.ts';
import { gpsOf, takenAtOf } from './photo-metadata.ts';
import { lockTenant } from './tenant-lock.ts';
import type { WebhooksService } from './webhooks.service.ts';

export interface NotificationResult {
  status: 'created' | 'duplicate' | 'ignored';
  image_id: string | null;
}

/** Fields of the upload response that are kept apart in the image JSON, not repeated in `infos`. */
const NOT_INFOS = new Set(['notification_type', 'colors', 'predominant', 'faces', 'phash', 'image_metadata', 'api_key']);

const int = (value: unknown, fallback = 0): number =>
  typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : fallback;

export class NotificationsService {
  constructor(
    private readonly config: Config,
    private readonly db: Kysely<Database>,
    private readonly signer: TokenSigner,
    private readonly webhooks: WebhooksService,
    private readonly presenter: ImagePresenter,
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

  /**
   * Creates the image an upload reported, once per (album, public_id): from a verified
   * notification, or from the host's own answer to an upload this service made (a duplicate).
   */
  async recordUpload(organizationId: string, albumPublicId: string, body: Record<string, unknown>): Promise<NotificationResult> {
    const publicId = body.public_id;
    if (typeof publicId !== 'string' || !publicId) throw badRequest('Notification without public_id');
    const metadata = (body.image_metadata && typeof body.image_metadata === 'object' ? body.image_metadata : {}) as Record<
      string,
      unknown
    >;
    const colors = Array.isArray(body.colors) ? body.colors : [];
    const gps = gpsOf(metadata);
    const format = typeof body.format === 'string' ? body.format : 'jpg';
    const originalFilename = typeof body.original_filename === 'string' ? body.original_filename : null;
    const now = new Date().toISOString();
    const infos = Object.fromEntries(Object.entries(body).filter(([key]) => !NOT_INFOS.has(key)));
    const width = int(body.width);
    const height = int(body.height);
    const imageId = randomUUID();

    return inTransaction(this.db, async (repos) => {
      // The organization's write lock (tenant-lock.ts) orders this with moves, merges and deletes.
      const org = await lockTenant(repos, organizationId);
      // The form was issued for this album id; if the album was renamed or merged away since,
      // the upload still lands under the id the uploader was given.
      let album = await repos.albums.findByPublicId(organizationId, albumPublicId);
      if (!album) {
        album = await repos.albums.create({
          id: randomUUID(),
          organization_id: organizationId,
          public_id: albumPublicId,
          created_at: now,
          updated_at: now,
        });
      }
      const image: ImageRow = {
        id: imageId,
        organization_id: organizationId,
        album_id: album.id,
        public_id: publicId,
        version: int(body.version, 1),
        type: typeof body.type === 'string' ? body.type : 'upload',
        format,
        width,
        height,
        original_width: width,
        original_height: height,
        size: int(body.bytes),
        color: typeof colors[0]?.[0] === 'string' ? colors[0][0] : null,
        phash: typeof body.phash === 'string' ? body.phash : null,
        gps_lat: gps?.[0] ?? null,
        gps_lng: gps?.[1] ?? null,
        taken_at: takenAtOf(metadata),
        filename: originalFilename ? `${originalFilename}.${format}` : null,
        ...UNEDITED_IMAGE,
        infos: JSON.stringify(infos),
        exifs: JSON.stringify(metadata),
        faces: JSON.stringify(Array.isArray(body.faces) ? body.faces : []),
        colors: JSON.stringify(colors),
        tags: JSON.stringify(Array.isArray(body.tags) ? body.tags.filter((t) => typeof t === 'string') : []),
        created_at: now,
        updated_at: now,
      };
      if (!(await repos.images.insertOnce(image))) return { status: 'duplicate' as const, image_id: null };
      await repos.albums.addToImagesCount(album.id, 1);
      await this.webhooks.record(repos, org, 'image.created', {
        album_id: album.public_id,
        image: this.presenter.present(image, album.public_id),
      });
      return { status: 'created' as const, image_id: imageId };
    });
  }
}
