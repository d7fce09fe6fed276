/**
 * Albums: create, read, list. Every method takes the calling Actor; permissions are asked of
 * the permissions module and every query is scoped to the actor's organization.
 */
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../db/errors.ts';
import { conflict, notFound } from '../errors/app-error.ts';
import { type Actor, can, requireAccess, requireCreate, visibleAlbumIds } from '../auth/permissions.ts';
import type { Album } from '../repositories/albums.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import type { ImagePresenter, ImageJson } from './image-presenter.ts';
import type { UploadForm, UploadFormService } from './upload-form.ts';

/** How many of the newest images an album shows as thumbnails. */
export const ALBUM_THUMBNAILS = 4;

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

export interface Page<T> {
  items: T[];
  total: number;
}

export class AlbumsService {
  constructor(
    private readonly repos: Repositories,
    private readonly forms: UploadFormService,
    private readonly images: ImagePresenter,
  ) {}

  async create(actor: Actor, publicId: string | undefined): Promise<AlbumJson> {
    requireCreate(actor, publicId);
    const now = new Date().toISOString();
    const id = randomUUID();
    try {
      const album = await this.repos.albums.create({
        id,
        organization_id: actor.organizationId,
        public_id: publicId ?? id,
        created_at: now,
        updated_at: now,
      });
      return await this.present(actor, album);
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`Album ${publicId} already exists`);
      throw err;
    }
  }

  /** The album, or 404 when it does not exist in the actor's organization. */
  async find(actor: Actor, publicId: string): Promise<Album> {
    const album = await this.repos.albums.findByPublicId(actor.organizationId, publicId);
    if (!album) throw notFound('Album');
    return album;
  }

  async get(actor: Actor, publicId: string): Promise<AlbumJson> {
    const album = await this.find(actor, publicId);
    requireAccess(actor, 'see', [album.public_id]);
    return this.present(actor, album);
  }

  async list(actor: Actor, page: number, perPage: number): Promise<Page<AlbumListItem>> {
    const only = visibleAlbumIds(actor);
    const [albums, total] = await Promise.all([
      this.repos.albums.listPage(actor.organizationId, only, perPage, (page - 1) * perPage),
      this.repos.albums.count(actor.organizationId, only),
    ]);
    const newest = await this.repos.images.newestByAlbum(
      albums.map((a) => a.id),
      ALBUM_THUMBNAILS,
    );
    return {
      total,
      items: albums.map((album) => ({
        id: album.public_id,
        public_id: album.public_id,
        images_count: album.images_count,
        thumbnails: (newest.get(album.id) ?? []).map((img) => this.images.present(img, album.public_id)),
      })),
    };
  }

  async present(actor: Actor, album: Album): Promise<AlbumJson> {
    const newest = await this.repos.images.newestByAlbum([album.id], ALBUM_THUMBNAILS);
    return {
      id: album.public_id,
      public_id: album.public_id,
      images_count: album.images_count,
      views_count: album.views_count,
      upload_form: can(actor, 'image_upload', album.public_id) ? await this.forms.build(actor, album) : null,
      organization_id: album.organization_id,
      thumbnails: (newest.get(album.id) ?? []).map((img) => this.images.present(img, album.public_id)),
    };
  }
}
