/**
 * Albums: create, read, list, rename/merge, duplicate, upload batches. Every method takes the
 * calling Actor; permissions are asked of the permissions module and every query is scoped
 * to the actor's organization. Every change runs in one transaction that first takes the
 * organization's write lock (tenant-lock.ts), and counts change by SQL increments.
 */
import { randomUUID } from 'node:crypto';
import { AppError, badRequest, conflict, notFound } from '../errors/app-error.ts';
import { type Actor, albumsWith, can, requireAccess } from '../auth/permissions.ts';
import { type Album, AlbumIdTakenError } from '../repositories/albums.repository.ts';
import type { ImageRow, MediaRef } from '../repositories/images.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import type { Organization } from '../repositories/organizations.repository.ts';
import type { ImagePresenter, ImageJson } from './image-presenter.ts';
import type { StoredMedia } from './stored-media.ts';
import { requireValidAlbumId } from './album-id.ts';
import { findOrCreateAlbum, requireNewAlbumAllowed } from './album-creation.ts';
import { decodeCursor, encodeCursor, type Page, type PageRequest, pageOf } from './page-cursor.ts';
import { uploadDonePayloads } from './sharinpix-payloads.ts';
import { lockTenant } from './tenant-lock.ts';
import { uploadTarget } from './upload-target.ts';
import type { UploadForm, UploadFormService } from './upload-form.ts';
import type { WebhooksService } from './webhooks.service.ts';

/** How many of the newest images an album shows as thumbnails. */
export const ALBUM_THUMBNAILS = 4;
/** At most this many images are listed in an `album.upload_done` event (the count is always exact). */
export const UPLOAD_DONE_MAX_IMAGES = 1000;

/** The album JSON of the seed, in its key order. */
export interface AlbumJson {
  id: string;
  public_id: string;
  images_count: number;
  views_count: number;
  upload_form: UploadForm | null;
  organization_id: string;
  thumbnails: ImageJson[];
}

/** One entry of the album list. */
export interface AlbumListItem {
  id: string;
  public_id: string;
  images_count: number;
  thumbnails: ImageJson[];
}


/**
 * What a transaction that hard-deleted rows hands back: its result, and the stored media
 * no row references any more, whose files go once it has committed.
 */
interface WithOrphans<T> {
  result: T;
  orphans: MediaRef[];
}

export class AlbumsService {
  constructor(
    private readonly repos: Repositories,
    private readonly forms: UploadFormService,
    private readonly images: ImagePresenter,
    private readonly webhooks: WebhooksService,
    private readonly media: StoredMedia,
  ) {}

  async create(actor: Actor, publicId: string | undefined): Promise<AlbumJson> {
    requireNewAlbumAllowed(actor, publicId);
    try {
      return await this.present(actor, await this.repos.albums.create(actor.organizationId, publicId));
    } catch (err) {
      if (err instanceof AlbumIdTakenError) throw conflict(err.message);
      throw err;
    }
  }

  /** The album, or 404 when it does not exist in the actor's organization. */
  async find(actor: Actor, publicId: string): Promise<Album> {
    const album = await this.repos.albums.findByPublicId(actor.organizationId, publicId);
    if (!album) throw notFound('Album');
    return album;
  }

  /**
   * `GET /albums/:id`. An id not used yet opens the album when the token could create it
   * (full rights, or `image_upload` on that very id): SharinPix's clients upload into a
   * record's album without creating it first. It is created in the caller's organization
   * only, so tenancy holds as for `create`; without that right the id stays a 404.
   */
  async get(actor: Actor, publicId: string): Promise<AlbumJson> {
    // `see` first: a token that could not look at the album does not create it either.
    if (can(actor, 'albums.create', { album: [publicId] })) requireAccess(actor, 'albums.get', { album: [publicId] });
    const album = await uploadTarget(this.repos, actor, publicId);
    requireAccess(actor, 'albums.get', { album: [album.public_id] });
    return this.present(actor, album);
  }



  /**
   * `GET /albums`: the albums the actor may see, newest first, by `cursor` (a keyset page,
   * the same cost at any depth) or `page` (see AlbumsRepository.listPage); the total comes
   * from the organization's counter (a restricted token: a count bounded by its albums).
   */
  async list(actor: Actor, request: PageRequest): Promise<Page<AlbumListItem>> {
    const only = albumsWith(actor, 'albums.list');
    const { perPage } = request;
    let total: number;
    let albums: Album[];
    let more: boolean;
    if (request.cursor !== undefined) {
      const [createdAt, id] = decodeCursor(request.cursor, 'albums', '', 2);
      if (typeof createdAt !== 'string' || typeof id !== 'string') throw badRequest('Invalid cursor');
      [albums, total] = await Promise.all([
        this.repos.albums.listAfter(actor.organizationId, only, perPage + 1, { created_at: createdAt, id }),
        this.repos.albums.count(actor.organizationId, only),
      ]);
      more = albums.length > perPage;
    } else {
      const offset = ((request.page ?? 1) - 1) * perPage;
      // Page 1 reads from the newest end whatever the total: both at once (one round trip
      // less on PostgreSQL); a later page needs the total first, to choose its end.
      if (offset === 0) {
        [albums, total] = await Promise.all([
          this.repos.albums.listPage(actor.organizationId, only, perPage, 0),
          this.repos.albums.count(actor.organizationId, only),
        ]);
      } else {
        total = await this.repos.albums.count(actor.organizationId, only);
        albums = await this.repos.albums.listPage(actor.organizationId, only, perPage, offset, total);
      }
      more = offset + albums.length < total;
    }
    albums = albums.slice(0, perPage);
    // Bounded: at most ALBUM_THUMBNAILS index entries per album of the page (see newestByAlbum).
    const newest = await this.repos.images.newestByAlbum(actor.organizationId, albums, ALBUM_THUMBNAILS);
    const page = pageOf(
      albums,
      perPage,
      more,
      (album) => encodeCursor('albums', '', [album.created_at, album.id]),
      (album): AlbumListItem => ({
        id: album.public_id,
        public_id: album.public_id,
        images_count: album.images_count,
        thumbnails: (newest.get(album.id) ?? []).map((img) => this.images.present(img, album.public_id)),
      }),
    );
    return { ...page, total };
  }

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
    return this.present(actor, album);
  }

  /**
   * `POST /albums/:id/duplicate`: copies every live image into `destinationId` (an existing
   * album, or a new one by that id; a fresh id when absent). Copies are new rows with new
   * ids sharing the stored media (same public_id and version: no byte is copied) and keep
   * their original `created_at`, so the copy lists in the same order; `tags` only when
   * `copyTags`. An image whose public_id the destination already shows is not copied again;
   * a trashed one there is replaced by the copy. The source is not changed.
   */
  async duplicate(actor: Actor, publicId: string, input: { destinationId?: string; copyTags: boolean }): Promise<AlbumJson> {
    const { result: destination, orphans } = await this.repos.transaction(async (repos): Promise<WithOrphans<Album>> => {
      const org = await lockTenant(repos, actor.organizationId);
      const source = await repos.albums.findByPublicId(org.id, publicId);
      if (!source) throw notFound('Album');
      const destinationId = input.destinationId ?? randomUUID();
      if (destinationId === source.public_id) throw new AppError('unprocessable', 'An album cannot be duplicated into itself');
      requireAccess(actor, 'albums.duplicate', { source: [source.public_id], destination: [destinationId] });
      const now = new Date().toISOString();
      const destination = await findOrCreateAlbum(repos, org.id, destinationId, actor);
      // A live source image replaces the destination's trashed copy of the same picture.
      const clashes = await repos.images.clashes(org.id, source.id, destination.id);
      const replaced = clashes.filter((c) => !c.sourceTrashed && c.destinationTrashed).map((c) => c.destinationId);
      const released = await repos.images.deleteRows(org.id, replaced);
      const copies = await repos.images.duplicateInto(org.id, source.id, destination.id, { copyTags: input.copyTags, now });
      await repos.albums.addToImagesCounts(org.id, [[destination.id, copies.length]]);
      if (copies.length) {
        await this.webhooks.record(repos, org, 'images.created', {
          album_id: destination.public_id,
          copied_from_album_id: source.public_id,
          image_ids: copies,
        });
      }
      const orphans = await this.media.orphans(repos, released);
      return { result: { ...destination, images_count: destination.images_count + copies.length }, orphans };
    });
    await this.media.delete(orphans);
    return this.present(actor, destination);
  }

  /**
   * `POST /albums/:id/upload_done`: records the batch (the album's live images that arrived
   * since its previous batch) and, when the organization has a webhook, sends
   * `album.upload_done` with the album and those images.
   */
  async uploadDone(actor: Actor, publicId: string): Promise<AlbumJson> {
    const album = await this.repos.transaction(async (repos) => {
      const org = await lockTenant(repos, actor.organizationId);
      const album = await repos.albums.findByPublicId(org.id, publicId);
      if (!album) throw notFound('Album');
      requireAccess(actor, 'albums.uploadDone', { album: [album.public_id] });
      const now = new Date().toISOString();
      const previous = await repos.uploadBatches.latest(org.id, album.id);
      const since = previous?.created_at ?? null;
      const count = await repos.images.countLiveCreatedBetween(org.id, album.id, since, now);
      const batch = await repos.uploadBatches.create(org.id, {
        id: randomUUID(),
        organization_id: org.id,
        album_id: album.id,
        images_count: count,
        user_id: actor.userId,
        secret_id: actor.secretId,
        created_at: now,
      });
      if (org.webhook_url) {
        const rows = await repos.images.liveCreatedBetween(org.id, album.id, since, now, UPLOAD_DONE_MAX_IMAGES);
        await this.webhooks.record(repos, org, 'album.upload_done', {
          // No upload form in an event: a signed form is a credential, and the receiver is not a caller.
          album: await this.present(null, album, repos),
          images: rows.map((row) => this.images.present(row, album.public_id)),
          batch: { id: batch.id, images_count: count, since, until: now, images_truncated: count > rows.length },
        });
        for (const payload of uploadDonePayloads(album.public_id, rows.map((row) => row.id))) {
          await this.webhooks.record(repos, org, 'upload-done', payload);
        }
      }
      return album;
    });
    return this.present(actor, album);
  }

  /**
   * The album JSON. `actor` null (an event) has no upload form; `repos` reads within a
   * transaction when given.
   */
  async present(actor: Actor | null, album: Album, repos: Repositories = this.repos): Promise<AlbumJson> {
    // The count is exact (kept in the same transactions as the images), so an empty album
    // needs no query: the common case of a freshly created one.
    const newest =
      album.images_count > 0 ? await repos.images.newestByAlbum(album.organization_id, [album], ALBUM_THUMBNAILS) : new Map<string, ImageRow[]>();
    return {
      id: album.public_id,
      public_id: album.public_id,
      images_count: album.images_count,
      views_count: album.views_count,
      upload_form: actor && can(actor, 'images.upload', { album: [album.public_id] }) ? await this.forms.build(actor, album) : null,
      organization_id: album.organization_id,
      thumbnails: (newest.get(album.id) ?? []).map((img) => this.images.present(img, album.public_id)),
    };
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
    const dropSource = clashes.filter((c) => !c.destinationTrashed || c.sourceTrashed);
    const dropDestination = clashes.filter((c) => c.destinationTrashed && !c.sourceTrashed);
    const released = await repos.images.deleteRows(org.id, [
      ...dropSource.map((c) => c.sourceId),
      ...dropDestination.map((c) => c.destinationId),
    ]);
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
        dropped_duplicates: dropSource.map((c) => ({ image_id: c.sourceId, album_id: source.public_id, duplicate_of: c.destinationId })),
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
