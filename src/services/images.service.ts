/**
 * Images of albums: listing, moving, deleting to the trash, restoring, purging. Permissions
 * come from the permissions module; every query is scoped to the actor's organization; every
 * change is one transaction that first takes the organization's write lock (tenant-lock.ts),
 * so a batch is all or nothing and counters stay exact under concurrency.
 */
import type { Config } from '../config.ts';
import { badRequest, notFound } from '../errors/app-error.ts';
import { type Actor, imageOrderFor, requireAccess, trashableAlbums } from '../auth/permissions.ts';
import { PurgeTrashJob, type TrashPurger } from '../jobs/purge-trash.job.ts';
import type { Album } from '../repositories/albums.repository.ts';
import type { ImagePosition, ImageRef, ImageRow, ListOptions, MediaRef } from '../repositories/images.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import { findOrCreateAlbum } from './album-creation.ts';
import type { AlbumsService } from './albums.service.ts';
import { entryOf } from './entry-of.ts';
import { liveImageRefs } from './image-lookup.ts';
import { decodeCursor, encodeCursor, type Page, type PageRequest, pageOf } from './page-cursor.ts';
import type { ImageJson, ImagePresenter } from './image-presenter.ts';
import type { StoredMedia } from './stored-media.ts';
import { imagePayload } from './sharinpix-payloads.ts';
import { lockTenant } from './tenant-lock.ts';
import type { WebhooksService } from './webhooks.service.ts';

/** An image in the trash: the image JSON, when it went there, and when it will be purged. */
export type TrashedImageJson = ImageJson & { deleted_at: string; purge_at: string };

export interface MoveResult {
  /** Images now in their destination album (ids unchanged). */
  moved: string[];
  /** Images dropped because their destination already showed the same picture (see `move`). */
  dropped_duplicates: string[];
}

/** How many expired trashed images one purge transaction removes. */
const PURGE_BATCH = 500;
const DAY_MS = 24 * 60 * 60 * 1000;

export class ImagesService implements TrashPurger {
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

  /**
   * `POST /images/move`: `operations` maps image ids to destination album ids; a destination
   * that does not exist becomes a new album. All or nothing: an unknown (or trashed, or
   * foreign) image is 404 and a missing ability 403, with nothing changed.
   *
   * Two images with one public_id cannot share an album. When a move would put a second one
   * in, one row stays: the destination's own if it is live and stays there; else the first
   * moving one named in the request (the destination's trashed copy, if any, is dropped).
   * The others are dropped as duplicates: the picture stays visible through the kept row.
   */
  async move(actor: Actor, operations: Record<string, string>): Promise<MoveResult> {
    const requested = Object.entries(operations);
    if (!requested.length) throw badRequest('move_operations is empty');
    for (const [imageId, albumId] of requested) {
      if (!imageId || !albumId || albumId.length > 255) throw badRequest(`Invalid move of image ${JSON.stringify(imageId)} to ${JSON.stringify(albumId)}`);
    }
    const { result, orphans } = await this.repos.transaction(async (repos) => {
      const org = await lockTenant(repos, actor.organizationId);
      // In the request's order, which decides which mover a clash keeps.
      const images = await liveImageRefs(
        repos,
        org.id,
        requested.map(([imageId]) => imageId),
      );
      const sources = new Map((await repos.albums.findManyByIds(org.id, images.map((i) => i.album_id))).map((a) => [a.id, a]));
      const destinationIds = [...new Set(Object.values(operations))];
      const destinations = new Map((await repos.albums.findManyByPublicIds(org.id, destinationIds)).map((a) => [a.public_id, a]));
      requireAccess(actor, 'images.move', {
        source: images.map((i) => entryOf(sources, i.album_id, 'album').public_id),
        destination: destinationIds,
      });
      const now = new Date().toISOString();
      for (const publicId of destinationIds) {
        if (!destinations.has(publicId)) destinations.set(publicId, await findOrCreateAlbum(repos, org.id, publicId, actor));
      }
      const albumsById = new Map<string, Album>([...sources.values(), ...destinations.values()].map((a) => [a.id, a]));
      const targets = new Map(requested.map(([imageId, albumId]) => [imageId, entryOf(destinations, albumId, 'destination album')]));
      const target = (image: ImageRef) => entryOf(targets, image.id, 'destination of image');

      // Where every row involved ends up, to find the public_ids that would meet in an album.
      const movers = images.filter((i) => target(i).id !== i.album_id);
      const moving = new Set(movers.map((i) => i.id));
      const occupants = (
        await repos.images.findByPublicIds(
          org.id,
          new Set(movers.map((i) => target(i).id)),
          movers.map((i) => i.public_id),
        )
      ).filter((row) => !moving.has(row.id));
      const kept = new Map<string, ImageRef>();
      for (const row of occupants) if (row.deleted_at === null) kept.set(`${row.album_id}\0${row.public_id}`, row);
      const dropped: ImageRef[] = [];
      const survivors: ImageRef[] = [];
      for (const image of movers) {
        const slot = `${target(image).id}\0${image.public_id}`;
        if (kept.has(slot)) dropped.push(image);
        else {
          kept.set(slot, image);
          survivors.push(image);
        }
      }
      // A trashed row where a live one arrives makes room for it.
      const displaced = occupants.filter((row) => row.deleted_at !== null && kept.has(`${row.album_id}\0${row.public_id}`));
      const released = await repos.images.deleteRows(org.id, [...dropped, ...displaced].map((r) => r.id));
      await this.placeAll(repos, org.id, survivors, target, now);

      await repos.albums.addToImagesCounts(org.id, [
        ...movers.map((i): [string, number] => [i.album_id, -1]),
        ...survivors.map((i): [string, number] => [target(i).id, +1]),
      ]);
      if (movers.length) {
        const publicIdOf = (albumId: string) => entryOf(albumsById, albumId, 'album').public_id;
        await this.webhooks.record(repos, org, 'images.moved', {
          moves: survivors.map((i) => ({ image_id: i.id, from_album_id: publicIdOf(i.album_id), to_album_id: target(i).public_id })),
          dropped_duplicates: dropped.map((i) => ({
            image_id: i.id,
            album_id: publicIdOf(i.album_id),
            duplicate_of: entryOf(kept, `${target(i).id}\0${i.public_id}`, 'kept image').id,
          })),
        });
      }
      const droppedIds = new Set(dropped.map((i) => i.id));
      return {
        result: {
          moved: requested.map(([imageId]) => imageId).filter((id) => !droppedIds.has(id)),
          dropped_duplicates: dropped.map((i) => i.id),
        },
        orphans: await this.media.orphans(repos, released),
      };
    });
    await this.media.delete(orphans);
    return result;
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

  /**
   * Points the surviving movers at their destinations. Rows move per destination in a few
   * statements; a row whose destination still holds another mover with its public_id (two
   * identical pictures trading albums) waits for that one to leave, and a cycle of such rows
   * is broken by deleting and re-inserting them with their new album (same ids), since the
   * unique index on (album, public_id) is checked row by row.
   */
  private async placeAll(
    repos: Repositories,
    organizationId: string,
    movers: ImageRef[],
    target: (image: ImageRef) => Album,
    now: string,
  ): Promise<void> {
    const occupiedBy = new Map(movers.map((i) => [`${i.album_id}\0${i.public_id}`, i.id]));
    let waiting = movers;
    while (waiting.length) {
      const ready = waiting.filter((i) => !occupiedBy.has(`${target(i).id}\0${i.public_id}`));
      if (!ready.length) break;
      const byDestination = new Map<string, string[]>();
      for (const image of ready) {
        byDestination.set(target(image).id, [...(byDestination.get(target(image).id) ?? []), image.id]);
        occupiedBy.delete(`${image.album_id}\0${image.public_id}`);
      }
      for (const [albumId, ids] of byDestination) await repos.images.setAlbum(organizationId, ids, albumId, now);
      const done = new Set(ready.map((i) => i.id));
      waiting = waiting.filter((i) => !done.has(i.id));
    }
    if (!waiting.length) return;
    const rows = await repos.images.findMany(
      organizationId,
      waiting.map((i) => i.id),
    );
    await repos.images.deleteRows(
      organizationId,
      rows.map((r) => r.id),
    );
    const destinationOf = new Map(waiting.map((i) => [i.id, target(i).id]));
    for (const row of rows) await repos.images.insertOnce(organizationId, { ...row, album_id: entryOf(destinationOf, row.id, 'destination of image'), updated_at: now });
  }
}
