/**
 * Images of albums: listing, and deleting to the trash (the trash itself: trash.service.ts;
 * moves: move-images.service.ts). Permissions come from the permissions module; every query
 * is scoped to the actor's organization; every change is one transaction that first takes
 * the organization's write lock (tenant-lock.ts), so a batch is all or nothing and counters
 * stay exact under concurrency.
 */
import { badRequest } from '../errors/app-error.ts';
import { type Actor, imageOrderFor, requireAccess } from '../auth/permissions.ts';
import type { ImagePosition, ImageRow, ListOptions } from '../repositories/images.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import type { AlbumsService } from './albums.service.ts';
import { entryOf } from './entry-of.ts';
import { liveImageRefs } from './image-lookup.ts';
import { decodeCursor, encodeCursor, type Page, type PageRequest, pageOf } from './page-cursor.ts';
import type { ImageJson, ImagePresenter } from './image-presenter.ts';
import { imagePayload } from './sharinpix-payloads.ts';
import { lockTenant } from './tenant-lock.ts';
import type { WebhooksService } from './webhooks.service.ts';

export class ImagesService {
  constructor(
    private readonly repos: Repositories,
    private readonly albums: AlbumsService,
    private readonly presenter: ImagePresenter,
    private readonly webhooks: WebhooksService,
  ) {}

  /**
   * An album's images: newest first, or in the order asked (`sort`), else in the one the
   * token sets for the album (SharinPix's `Sort`); only those tagged `tag` when given.
   */
  async list(actor: Actor, albumPublicId: string, request: PageRequest, options: ListOptions = {}): Promise<Page<ImageJson>> {
    const album = await this.albums.find(actor, albumPublicId);
    requireAccess(actor, 'images.list', { album: [album.public_id] });
    const sort = options.sort ?? imageOrderFor(actor, album.public_id) ?? { field: 'created_at', order: 'desc' };
    const { tag } = options;
    // The cursor belongs to one order and filter: another one's position means nothing here.
    const scope = JSON.stringify([sort.field, sort.order, tag ?? null]);
    const byTakenAt = sort.field === 'taken_at';
    const { perPage } = request;
    // Untagged, the total is the album's counter; a tag's is counted (linear in the album).
    const counted = tag === undefined ? Promise.resolve(album.images_count) : this.repos.images.countTagged(actor.organizationId, album.id, tag);
    let rows: ImageRow[];
    let total: number;
    let more: boolean;
    if (request.cursor !== undefined) {
      const key = decodeCursor(request.cursor, 'images', scope, byTakenAt ? 3 : 2);
      const [createdAt, id] = key.slice(byTakenAt ? 1 : 0);
      if (typeof createdAt !== 'string' || typeof id !== 'string') throw badRequest('Invalid cursor');
      const after: ImagePosition = { created_at: createdAt, id, ...(byTakenAt ? { taken_at: key[0] } : {}) };
      [rows, total] = await Promise.all([this.repos.images.listAfter(actor.organizationId, album.id, perPage + 1, after, { sort, tag }), counted]);
      more = rows.length > perPage;
    } else {
      const offset = ((request.page ?? 1) - 1) * perPage;
      total = await counted;
      rows = await this.repos.images.listPage(actor.organizationId, album.id, perPage, offset, { sort, tag, total });
      more = offset + rows.length < total;
    }
    const page = pageOf(
      rows,
      perPage,
      more,
      (row) => encodeCursor('images', scope, byTakenAt ? [row.taken_at, row.created_at, row.id] : [row.created_at, row.id]),
      (row) => this.presenter.present(row, album.public_id),
    );
    return { ...page, total };
  }

  /** `DELETE /images/:id`: to the trash (ability `image_delete` on its album). */
  async delete(actor: Actor, imageId: string): Promise<void> {
    await this.deleteMany(actor, [imageId]);
  }

  /** `DELETE /images`: every image to the trash, or (404/403) none. Returns the ids. */
  async deleteMany(actor: Actor, imageIds: string[]): Promise<{ deleted: string[] }> {
    const ids = [...new Set(imageIds)];
    if (!ids.length) throw badRequest('image_ids is empty');
    return this.repos.transaction(async (repos) => {
      const org = await lockTenant(repos, actor.organizationId);
      const images = await liveImageRefs(repos, org.id, ids);
      const albums = new Map((await repos.albums.findManyByIds(org.id, images.map((i) => i.album_id))).map((a) => [a.id, a]));
      requireAccess(actor, 'images.delete', {
        album: [...albums.values()].map((a) => a.public_id),
      });
      const now = new Date().toISOString();
      const trashed = org.webhook_url ? await repos.images.findMany(org.id, ids) : [];
      await repos.trash.put(org.id, ids, now);
      await repos.albums.addToImagesCounts(org.id, images.map((i) => [i.album_id, -1]));
      const publicIdOf = (albumId: string) => entryOf(albums, albumId, 'album').public_id;
      await this.webhooks.record(repos, org, 'images.deleted', {
        images: images.map((i) => ({ image_id: i.id, album_id: publicIdOf(i.album_id) })),
      });
      for (const row of trashed) {
        await this.webhooks.record(repos, org, 'image-deleted', imagePayload(this.presenter.present(row, publicIdOf(row.album_id))));
      }
      return { deleted: ids };
    });
  }
}
