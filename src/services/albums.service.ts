/**
 * Albums: create, read, list, duplicate, upload batches (rename and merge:
 * album-rename.service.ts). Every method takes the calling Actor; permissions are asked of
 * the permissions module and every query is scoped to the actor's organization. Every change runs in one transaction that first takes the
 * organization's write lock (tenant-lock.ts), and counts change by SQL increments.
 */
import { randomUUID } from 'node:crypto';
import { AppError, badRequest, conflict, notFound } from '../errors/app-error.ts';
import { type Actor, albumsWith, can, requireAccess } from '../auth/permissions.ts';
import { type Album, AlbumIdTakenError } from '../repositories/albums.repository.ts';
import type { ImageRow } from '../repositories/images.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import type { ImagePresenter, ImageJson } from './image-presenter.ts';
import type { StoredMedia, WithOrphans } from './stored-media.ts';
import { findOrCreateAlbum, requireNewAlbumAllowed } from './album-creation.ts';
import { pairedSlots, planClashes } from './clash-planner.ts';
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
      // Only live images are copied; one replaces the destination's trashed copy of its
      // picture, and duplicateInto skips those the destination still shows.
      const clashes = await repos.images.clashes(org.id, source.id, destination.id);
      const plan = planClashes(...pairedSlots(clashes.filter((c) => !c.sourceTrashed)));
      const released = await repos.images.deleteRows(org.id, plan.displace);
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
}
