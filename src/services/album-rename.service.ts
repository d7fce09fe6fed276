/**
 * `PUT /albums/:id`: renaming an album, or merging it into the album that holds the new id.
 * Permissions come from the permissions module; the change is one transaction that first
 * takes the organization's write lock (tenant-lock.ts), and counts change by SQL increments.
 * Which row stays when a public_id meets its like is the clash planner's (clash-planner.ts).
 */
import { conflict, notFound } from '../errors/app-error.ts';
import { type Actor, requireAccess } from '../auth/permissions.ts';
import { type Album, AlbumIdTakenError } from '../repositories/albums.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import type { Organization } from '../repositories/organizations.repository.ts';
import type { AlbumJson, AlbumsService } from './albums.service.ts';
import { requireValidAlbumId } from './album-id.ts';
import { pairedSlots, planClashes } from './clash-planner.ts';
import type { StoredMedia, WithOrphans } from './stored-media.ts';
import { lockTenant } from './tenant-lock.ts';
import type { WebhooksService } from './webhooks.service.ts';

export class AlbumRenameService {
  constructor(
    private readonly repos: Repositories,
    private readonly albums: AlbumsService,
    private readonly webhooks: WebhooksService,
    private readonly media: StoredMedia,
  ) {}

  /**
   * `PUT /albums/:id`: renames the album to `newPublicId`. When that id is taken: 409, unless
   * `merge`, which moves every image (live and trashed) into the existing album and removes
   * this one; `merge` onto a free id is a plain rename. Image ids never change.
   *
   * Two images with one public_id cannot share an album. When the merge meets one, a single
   * row stays: the destination's own if it is live; else the source's if that is live (the
   * destination's trashed copy is dropped); else (both trashed) the destination's. The other
   * row is dropped as a duplicate: its picture stays visible through the kept row, which
   * shows the same stored media. The destination takes over the source's page views and
   * upload batches.
   */
  async update(actor: Actor, publicId: string, input: { newPublicId: string; merge: boolean }): Promise<AlbumJson> {
    requireValidAlbumId(input.newPublicId);
    const { result: album, orphans } = await this.withRetryOnTakenId(() =>
      this.repos.transaction(async (repos): Promise<WithOrphans<Album>> => {
        const org = await lockTenant(repos, actor.organizationId);
        const source = await repos.albums.findByPublicId(org.id, publicId);
        if (!source) throw notFound('Album');
        requireAccess(actor, 'albums.rename', { album: [source.public_id] });
        if (input.newPublicId === source.public_id) return { result: source, orphans: [] };
        const destination = await repos.albums.findByPublicId(org.id, input.newPublicId);
        if (!destination) return { result: await this.rename(repos, org, source, input.newPublicId), orphans: [] };
        if (!input.merge) throw conflict(`Album ${input.newPublicId} already exists (merge=true merges into it)`);
        requireAccess(actor, 'albums.merge', { source: [source.public_id], destination: [destination.public_id] });
        return this.merge(repos, org, source, destination);
      }),
    );
    await this.media.delete(orphans);
    return this.albums.present(actor, album);
  }

  private async rename(repos: Repositories, org: Organization, album: Album, newPublicId: string): Promise<Album> {
    const now = new Date().toISOString();
    // AlbumIdTakenError: created meanwhile by a request that does not take the organization
    // lock (album create); see withRetryOnTakenId.
    await repos.albums.rename(org.id, album.id, newPublicId, now);
    await this.webhooks.record(repos, org, 'album.renamed', { from_album_id: album.public_id, album_id: newPublicId });
    return { ...album, public_id: newPublicId, updated_at: now };
  }

  private async merge(repos: Repositories, org: Organization, source: Album, destination: Album): Promise<WithOrphans<Album>> {
    const now = new Date().toISOString();
    const clashes = await repos.images.clashes(org.id, source.id, destination.id);
    const { drop: dropSource, displace: dropDestination } = planClashes(...pairedSlots(clashes));
    const released = await repos.images.deleteRows(org.id, [...dropSource.map((d) => d.id), ...dropDestination]);
    const moved = await repos.images.moveAlbum(org.id, source.id, destination.id, now);
    const liveMoved = moved.filter((row) => row.deleted_at === null).length;
    await repos.uploadBatches.moveAlbum(org.id, source.id, destination.id);
    await repos.albums.addToImagesCounts(org.id, [[destination.id, liveMoved]]);
    // The merged album was viewed as often as both were.
    await repos.albums.addToViewsCount(org.id, destination.id, source.views_count);
    await repos.albums.delete(org.id, source.id);
    if (moved.length || dropSource.length) {
      await this.webhooks.record(repos, org, 'images.moved', {
        moves: moved.map((row) => ({ image_id: row.id, from_album_id: source.public_id, to_album_id: destination.public_id })),
        dropped_duplicates: dropSource.map((d) => ({ image_id: d.id, album_id: source.public_id, duplicate_of: d.duplicateOf })),
      });
    }
    await this.webhooks.record(repos, org, 'album.merged', { from_album_id: source.public_id, album_id: destination.public_id });
    const orphans = await this.media.orphans(repos, released);
    return {
      result: {
        ...destination,
        images_count: destination.images_count + liveMoved,
        views_count: destination.views_count + source.views_count,
        updated_at: now,
      },
      orphans,
    };
  }

  /**
   * A rename can lose a race with an album created under the same id (creation does not take
   * the organization lock). Tried again, the operation sees that album: a 409, or a merge
   * into it when merging was asked.
   */
  private async withRetryOnTakenId<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof AlbumIdTakenError)) throw err;
    }
    try {
      return await work();
    } catch (err) {
      if (err instanceof AlbumIdTakenError) throw conflict(err.message);
      throw err;
    }
  }
}
