/**
 * The trash: listing it, restoring from it, and purging what has been there longer than
 * TRASH_DAYS (the PurgeTrashJob's work). Images go to it through ImagesService's delete.
 * Every change is one transaction that first takes the organization's write lock
 * (tenant-lock.ts), so counters stay exact under concurrency.
 */
import type { Config } from '../config.ts';
import { badRequest, notFound } from '../errors/app-error.ts';
import { type Actor, requireAccess, trashableAlbums } from '../auth/permissions.ts';
import { PurgeTrashJob, type TrashPurger } from '../jobs/purge-trash.job.ts';
import type { Album } from '../repositories/albums.repository.ts';
import type { ImageRow, MediaRef } from '../repositories/images.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import type { AlbumsService } from './albums.service.ts';
import { entryOf } from './entry-of.ts';
import { decodeCursor, encodeCursor, type Page, type PageRequest, pageOf } from './page-cursor.ts';
import type { ImageJson, ImagePresenter } from './image-presenter.ts';
import type { StoredMedia } from './stored-media.ts';
import { lockTenant } from './tenant-lock.ts';
import type { WebhooksService } from './webhooks.service.ts';

/** An image in the trash: the image JSON, when it went there, and when it will be purged. */
export type TrashedImageJson = ImageJson & { deleted_at: string; purge_at: string };

/** How many expired trashed images one purge transaction removes. */
const PURGE_BATCH = 500;
const DAY_MS = 24 * 60 * 60 * 1000;

export class TrashService implements TrashPurger {
  /** The queue's handle on the purge, registered with the worker. */
  readonly purgeJob: PurgeTrashJob;

  constructor(
    private readonly config: Config,
    private readonly repos: Repositories,
    private readonly albums: AlbumsService,
    private readonly presenter: ImagePresenter,
    private readonly webhooks: WebhooksService,
    private readonly media: StoredMedia,
  ) {
    this.purgeJob = new PurgeTrashJob(this);
  }

  /**
   * `GET /trashed_images`: the trash, most recently deleted first; of one album (ability
   * `trash` on it), or of every album the actor holds `trash` on.
   */
  async listTrash(actor: Actor, albumPublicId: string | undefined, request: PageRequest): Promise<Page<TrashedImageJson>> {
    // The albums listed (null: every album of the organization, read with the page), and the
    // total from their counters (or the organization's): no count.
    let listed: Album[] | null;
    let total: number;
    if (albumPublicId !== undefined) {
      const album = await this.albums.find(actor, albumPublicId);
      requireAccess(actor, 'trash.list', { album: [album.public_id] });
      listed = [album];
      total = album.trashed_count;
    } else {
      const allowed = trashableAlbums(actor);
      if (allowed === null) {
        listed = null;
        total = (await this.repos.albums.organizationCounts(actor.organizationId)).trashedImages;
      } else {
        listed = await this.repos.albums.findManyByPublicIds(actor.organizationId, allowed);
        total = listed.reduce((n, a) => n + a.trashed_count, 0);
      }
    }
    const albumIds = listed && listed.map((a) => a.id);
    const scope = albumPublicId ?? '';
    const { perPage } = request;
    let rows: ImageRow[];
    let more: boolean;
    if (request.cursor !== undefined) {
      const [deletedAt, createdAt, id] = decodeCursor(request.cursor, 'trash', scope, 3);
      if (typeof deletedAt !== 'string' || typeof createdAt !== 'string' || typeof id !== 'string') throw badRequest('Invalid cursor');
      rows = await this.repos.trash.listAfter(actor.organizationId, albumIds, perPage + 1, { deleted_at: deletedAt, created_at: createdAt, id });
      more = rows.length > perPage;
    } else {
      const offset = ((request.page ?? 1) - 1) * perPage;
      rows = await this.repos.trash.listPage(actor.organizationId, albumIds, perPage, offset, total);
      more = offset + rows.length < total;
    }
    rows = rows.slice(0, perPage);
    const albums = new Map((listed ?? (await this.repos.albums.findManyByIds(actor.organizationId, rows.map((r) => r.album_id)))).map((a) => [a.id, a]));
    const page = pageOf(
      rows,
      perPage,
      more,
      (row) => encodeCursor('trash', scope, [row.deleted_at, row.created_at, row.id]),
      (row) => this.presentTrashed(row, entryOf(albums, row.album_id, 'album').public_id),
    );
    return { ...page, total };
  }

  /** `DELETE /trashed_images/:id`: back to its album (ability `trash` on it). */
  async restore(actor: Actor, imageId: string): Promise<ImageJson> {
    return this.repos.transaction(async (repos) => {
      const org = await lockTenant(repos, actor.organizationId);
      const image = await repos.images.find(org.id, imageId);
      if (!image || image.deleted_at === null) throw notFound('Trashed image');
      const album = await repos.albums.findById(org.id, image.album_id);
      if (!album) throw notFound('Trashed image');
      requireAccess(actor, 'trash.restore', { album: [album.public_id] });
      const now = new Date().toISOString();
      await repos.trash.restore(org.id, image.id, now);
      await repos.albums.addToImagesCounts(org.id, [[album.id, 1]]);
      await this.webhooks.record(repos, org, 'images.restored', { images: [{ image_id: image.id, album_id: album.public_id }] });
      return this.presenter.present({ ...image, deleted_at: null, updated_at: now }, album.public_id);
    });
  }

  /**
   * Deletes for good what has been in the trash longer than TRASH_DAYS (every organization's,
   * or one's), and the stored originals no row shares any more. Organization by organization,
   * in batches, each batch one transaction under the organization's lock; files go after it
   * commits (a crash in between leaves a file behind, never a row without its file).
   */
  async purgeTrash(options: { organizationId?: string; now?: Date } = {}): Promise<{ images: number; files: number }> {
    const cutoff = new Date((options.now ?? new Date()).getTime() - this.config.trashDays * DAY_MS).toISOString();
    const organizations = options.organizationId
      ? [options.organizationId]
      : await this.repos.trash.organizationsWithTrashBefore(cutoff);
    let images = 0;
    let files = 0;
    for (const organizationId of organizations) {
      for (;;) {
        const { purged, orphans } = await this.repos.transaction(async (repos) => {
          await lockTenant(repos, organizationId);
          const expired = await repos.trash.trashedBefore(organizationId, cutoff, PURGE_BATCH);
          const released: MediaRef[] = await repos.images.deleteRows(
            organizationId,
            expired.map((i) => i.id),
          );
          return { purged: expired.length, orphans: await this.media.orphans(repos, released) };
        });
        images += purged;
        files += await this.media.delete(orphans);
        if (purged < PURGE_BATCH) break;
      }
    }
    return { images, files };
  }

  private presentTrashed(row: ImageRow, albumPublicId: string): TrashedImageJson {
    const deletedAt = row.deleted_at;
    if (deletedAt === null) throw new Error(`Image ${row.id} listed in the trash is not trashed`);
    return {
      ...this.presenter.present(row, albumPublicId),
      deleted_at: deletedAt,
      purge_at: new Date(new Date(deletedAt).getTime() + this.config.trashDays * DAY_MS).toISOString(),
    };
  }
}
