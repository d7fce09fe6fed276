/**
 * `POST /images/move`: images into other albums of the organization, all or nothing, in one
 * transaction that first takes the organization's write lock (tenant-lock.ts), so counters
 * stay exact under concurrency. Which row stays when a public_id meets its like in an album
 * is the clash planner's (clash-planner.ts).
 */
import { badRequest } from '../errors/app-error.ts';
import { type Actor, requireAccess } from '../auth/permissions.ts';
import type { Album } from '../repositories/albums.repository.ts';
import type { ImageRef } from '../repositories/images.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import { findOrCreateAlbum } from './album-creation.ts';
import { planClashes, slotOf } from './clash-planner.ts';
import { entryOf } from './entry-of.ts';
import { liveImageRefs } from './image-lookup.ts';
import type { StoredMedia } from './stored-media.ts';
import { lockTenant } from './tenant-lock.ts';
import type { WebhooksService } from './webhooks.service.ts';

export interface MoveResult {
  /** Images now in their destination album (ids unchanged). */
  moved: string[];
  /** Images dropped because their destination already showed the same picture (see `move`). */
  dropped_duplicates: string[];
}

export class MoveImagesService {
  constructor(
    private readonly repos: Repositories,
    private readonly webhooks: WebhooksService,
    private readonly media: StoredMedia,
  ) {}

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
      const plan = planClashes(
        movers.map((i) => ({ id: i.id, slot: slotOf(target(i).id, i.public_id), trashed: false })),
        occupants.map((row) => ({ id: row.id, slot: slotOf(row.album_id, row.public_id), trashed: row.deleted_at !== null })),
      );
      const keptIds = new Set(plan.keep);
      const survivors = movers.filter((i) => keptIds.has(i.id));
      const duplicateOf = new Map(plan.drop.map((d) => [d.id, d.duplicateOf]));
      const dropped = movers.filter((i) => duplicateOf.has(i.id));
      const released = await repos.images.deleteRows(org.id, [...dropped.map((i) => i.id), ...plan.displace]);
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
            duplicate_of: entryOf(duplicateOf, i.id, 'kept image'),
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
