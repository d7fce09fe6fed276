/**
 * One image as SharinPix users edit it (`GET`/`PUT /images/:id`): title and description,
 * metadatas (merged; a key set to null is removed), rotation and crop. Rotation and crop are
 * kept as edits (image-edits.ts): the original is never rewritten, `width`/`height` and every
 * derivative follow the edits, `original_*` keep the upload's.
 */
import { badRequest } from '../errors/app-error.ts';
import { type Actor, type ImageEdit, requireAccess, requireImageEdit } from '../auth/permissions.ts';
import type { ImageEdits } from '../repositories/images.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import { type Crop, editedSize, ROTATIONS, validCrop } from './image-edits.ts';
import { liveImage } from './image-lookup.ts';
import type { ImageJson, ImagePresenter } from './image-presenter.ts';
import { lockTenant } from './tenant-lock.ts';
import type { WebhooksService } from './webhooks.service.ts';

/** What a client may change; absent fields stay as they are. */
export interface ImageUpdate {
  title?: string | null;
  description?: string | null;
  metadatas?: Record<string, unknown>;
  rotation?: number;
  /** null removes the crop. */
  crop?: Crop | null;
}

export class ImageEditorService {
  constructor(
    private readonly repos: Repositories,
    private readonly presenter: ImagePresenter,
    private readonly webhooks: WebhooksService,
  ) {}

  async get(actor: Actor, imageId: string): Promise<ImageJson> {
    const { image, album } = await liveImage(this.repos, actor.organizationId, imageId);
    requireAccess(actor, 'images.get', { album: [album.public_id] });
    return this.presenter.present(image, album.public_id);
  }

  async update(actor: Actor, imageId: string, update: ImageUpdate): Promise<ImageJson> {
    const kinds = new Set<ImageEdit>();
    if (update.title !== undefined || update.description !== undefined || update.metadatas !== undefined) kinds.add('caption');
    if (update.rotation !== undefined) kinds.add('rotate');
    if (update.crop !== undefined) kinds.add('crop');
    if (!kinds.size) throw badRequest('Nothing to change: give image[title], image[description], image[metadatas], image[rotation] or image[crop]');
    if (update.rotation !== undefined && !(ROTATIONS as readonly number[]).includes(update.rotation)) {
      throw badRequest(`rotation must be one of ${ROTATIONS.join(', ')} (degrees clockwise)`);
    }
    return this.repos.transaction(async (repos) => {
      const org = await lockTenant(repos, actor.organizationId);
      const { image, album } = await liveImage(repos, org.id, imageId);
      requireImageEdit(actor, album.public_id, kinds);
      const fields: ImageEdits = {};
      if (update.title !== undefined) fields.title = update.title;
      if (update.description !== undefined) fields.description = update.description;
      if (update.metadatas !== undefined) {
        const merged: Record<string, unknown> = { ...JSON.parse(image.metadatas), ...update.metadatas };
        for (const [key, value] of Object.entries(update.metadatas)) if (value === null) delete merged[key];
        fields.metadatas = JSON.stringify(merged);
      }
      if (update.rotation !== undefined) fields.rotation = update.rotation;
      if (update.crop !== undefined) {
        const crop = update.crop && validCrop(update.crop, image);
        Object.assign(fields, { crop_x: crop?.x ?? null, crop_y: crop?.y ?? null, crop_w: crop?.width ?? null, crop_h: crop?.height ?? null });
      }
      const edited = { ...image, ...fields };
      Object.assign(fields, editedSize(edited));
      const now = new Date().toISOString();
      await repos.images.update(org.id, image.id, fields, now);
      const json = this.presenter.present({ ...image, ...fields, updated_at: now }, album.public_id);
      await this.webhooks.record(repos, org, 'image.updated', { album_id: album.public_id, image: json });
      return json;
    });
  }
}
