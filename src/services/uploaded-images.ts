/**
 * An upload becomes an image here, and only here: from the media host's signed notification
 * and from a client's registration of the host's upload answer alike. Whichever comes first
 * creates the image; the other finds it (one image per album and public_id).
 */
import { randomUUID } from 'node:crypto';
import type { Album } from '../repositories/albums.repository.ts';
import { type ImageRow, type MediaRef, UNEDITED_IMAGE } from '../repositories/images.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import type { Organization } from '../repositories/organizations.repository.ts';
import type { ImagePresenter } from './image-presenter.ts';
import { gpsOf, takenAtOf } from './photo-metadata.ts';
import { imagePayload } from './sharinpix-payloads.ts';
import type { WebhooksService } from './webhooks.service.ts';

/** Fields of the upload response that are kept apart in the image JSON, not repeated in `infos`. */
const NOT_INFOS = new Set(['notification_type', 'colors', 'predominant', 'faces', 'phash', 'image_metadata', 'api_key', 'signature']);

const int = (value: unknown, fallback = 0): number =>
  typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : fallback;

/** Where the host keeps the original an upload report describes. */
export function mediaRefOf(report: Record<string, unknown>): MediaRef {
  return {
    type: typeof report.type === 'string' ? report.type : 'upload',
    public_id: String(report.public_id),
    version: int(report.version, 1),
    format: typeof report.format === 'string' ? report.format : 'jpg',
  };
}

/** The image row an upload report (the host's answer or notification body) describes. */
export function imageFromReport(report: Record<string, unknown>, at: { organizationId: string; albumId: string; now: string }): ImageRow {
  const metadata = (report.image_metadata && typeof report.image_metadata === 'object' ? report.image_metadata : {}) as Record<string, unknown>;
  const colors = Array.isArray(report.colors) ? report.colors : [];
  const gps = gpsOf(metadata);
  const { format } = mediaRefOf(report);
  const originalFilename = typeof report.original_filename === 'string' ? report.original_filename : null;
  const width = int(report.width);
  const height = int(report.height);
  return {
    id: randomUUID(),
    organization_id: at.organizationId,
    album_id: at.albumId,
    ...mediaRefOf(report),
    width,
    height,
    original_width: width,
    original_height: height,
    size: int(report.bytes),
    color: typeof colors[0]?.[0] === 'string' ? colors[0][0] : null,
    phash: typeof report.phash === 'string' ? report.phash : null,
    gps_lat: gps?.[0] ?? null,
    gps_lng: gps?.[1] ?? null,
    taken_at: takenAtOf(metadata),
    filename: originalFilename ? `${originalFilename}.${format}` : null,
    ...UNEDITED_IMAGE,
    infos: JSON.stringify(Object.fromEntries(Object.entries(report).filter(([key]) => !NOT_INFOS.has(key)))),
    exifs: JSON.stringify(metadata),
    faces: JSON.stringify(Array.isArray(report.faces) ? report.faces : []),
    colors: JSON.stringify(colors),
    // SharinPix's tags are given by clients; the host's own tags stay in `infos.tags`.
    tags: '[]',
    created_at: at.now,
    updated_at: at.now,
  };
}

export class UploadedImages {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly presenter: ImagePresenter,
  ) {}

  /**
   * Records the image in the album unless it holds that public_id already (in the causing
   * transaction, under the organization's lock), with the uploader's `metadatas` merged in
   * when given. `created` is false when the image was there.
   */
  async record(
    repos: Repositories,
    org: Organization,
    album: Album,
    image: ImageRow,
    metadatas?: Record<string, unknown>,
  ): Promise<{ image: ImageRow; created: boolean }> {
    const fresh = metadatas ? { ...image, metadatas: JSON.stringify(metadatas) } : image;
    if (await repos.images.insertOnce(org.id, fresh)) {
      await repos.albums.addToImagesCounts(org.id, [[album.id, 1]]);
      const json = this.presenter.present(fresh, album.public_id);
      await this.webhooks.record(repos, org, 'image.created', { album_id: album.public_id, image: json });
      // The host analysed the file before answering: the image is processed as it arrives.
      await this.webhooks.record(repos, org, 'image-new', imagePayload(json));
      await this.webhooks.record(repos, org, 'image-processed', imagePayload(json));
      return { image: fresh, created: true };
    }
    const existing = (await repos.images.findInAlbum(org.id, album.id, image.public_id))!;
    if (!metadatas || !Object.keys(metadatas).length) return { image: existing, created: false };
    const merged = JSON.stringify({ ...JSON.parse(existing.metadatas), ...metadatas });
    const now = new Date().toISOString();
    await repos.images.update(org.id, existing.id, { metadatas: merged }, now);
    return { image: { ...existing, metadatas: merged, updated_at: now }, created: false };
  }
}
