/**
 * `POST /images/copy` (ability `image_copy`): chosen images into another album of the same
 * organization, as new images that share the stored originals (no byte is copied or
 * uploaded again). All or nothing, in one transaction under the organization's lock, so the
 * destination's count stays exact; the copies show in its thumbnails as any image would
 * (they keep their sources' created_at, so they sort as the originals did) and one
 * `images.created` webhook event reports them.
 */
import { randomUUID } from 'node:crypto';
import { type Actor, requireAccess } from '../auth/permissions.ts';
import { badRequest } from '../errors/app-error.ts';
import { copyRow, type ImageRecord } from '../repositories/image-copies.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import type { ImageJson, ImagePresenter } from './image-presenter.ts';
import type { StoredMedia } from './stored-media.ts';
import { findOrCreateAlbum } from './album-creation.ts';
import { planClashes, slotOf } from './clash-planner.ts';
import { liveImageRows } from './image-lookup.ts';
import { lockTenant } from './tenant-lock.ts';
import type { WebhooksService } from './webhooks.service.ts';

/** Most images one copy may name. */
export const MAX_COPY = 10_000;

export interface CopyResult {
  /** Each new image and the image it copies, in the request's order. */
  copies: Array<{ source_id: string; image: ImageJson }>;
  /** Images not copied because the destination already shows the same picture. */
  skipped: string[];
}

export class ImageCopiesService {
  constructor(
    private readonly repos: Repositories,
    private readonly presenter: ImagePresenter,
    private readonly webhooks: WebhooksService,
    private readonly media: StoredMedia,
  ) {}

  /**
   * Copies `imageIds` (live images of the organization: else 404, nothing copied) into the
   * album `albumPublicId`, which is created when it does not exist. An image whose picture
   * (public_id) the destination already shows is skipped; a trashed one there is replaced
   * by the copy, as an album duplicate does. `copyTags` copies the images' tags too.
   */
  async copy(actor: Actor, imageIds: string[], albumPublicId: string, options: { copyTags: boolean }): Promise<CopyResult> {
    const ids = [...new Set(imageIds)];
    if (!ids.length) throw badRequest('image_ids is empty');
    if (ids.length > MAX_COPY) throw badRequest(`image_ids names more than ${MAX_COPY} images`);
    const { result, orphans } = await this.repos.transaction(async (repos) => {
      const org = await lockTenant(repos, actor.organizationId);
      const images = await liveImageRows(repos, org.id, ids);
      const sources = await repos.albums.findManyByIds(org.id, [...new Set(images.map((i) => i.album_id))]);
      const now = new Date().toISOString();
      requireAccess(actor, 'images.copy', {
        source: sources.map((a) => a.public_id),
        destination: [albumPublicId],
      });
      const destination = await findOrCreateAlbum(repos, org.id, albumPublicId, actor);
      const occupants = await repos.images.findByPublicIds(org.id, new Set([destination.id]), images.map((i) => i.public_id));
      const plan = planClashes(
        images.map((i) => ({ id: i.id, slot: slotOf(destination.id, i.public_id), trashed: false })),
        occupants.map((o) => ({ id: o.id, slot: slotOf(o.album_id, o.public_id), trashed: o.deleted_at !== null })),
      );
      const released = await repos.images.deleteRows(org.id, plan.displace);
      const copied = new Set(plan.keep);
      const copies: Array<{ source_id: string; image: ImageJson }> = [];
      const skipped: string[] = [];
      const rows: ImageRecord[] = [];
      for (const source of images) {
        const id = source.id;
        // The destination shows its picture already, or an earlier named image brings it.
        if (!copied.has(id)) {
          skipped.push(id);
          continue;
        }
        const row = copyRow(source, randomUUID(), destination.id, { copyTags: options.copyTags, now });
        rows.push(row);
        const media = { infos: source.infos, exifs: source.exifs, faces: source.faces, colors: source.colors };
        copies.push({ source_id: id, image: this.presenter.present({ ...row, ...media }, destination.public_id) });
      }
      await repos.imageCopies.insert(org.id, rows);
      await repos.albums.addToImagesCounts(org.id, [[destination.id, rows.length]]);
      if (rows.length) {
        await this.webhooks.record(repos, org, 'images.created', {
          album_id: destination.public_id,
          image_ids: copies.map((c) => c.image.id),
          copied_from: copies.map((c) => ({ image_id: c.image.id, source_image_id: c.source_id })),
        });
      }
      return { result: { copies, skipped }, orphans: await this.media.orphans(repos, released) };
    });
    await this.media.delete(orphans);
    return result;
  }
}
