/**
 * Images of albums: listing. Permissions come from the permissions module; every query is
 * scoped to the actor's organization through the album it belongs to.
 */
import { type Actor, requireAccess } from '../auth/permissions.ts';
import type { Repositories } from '../repositories/index.ts';
import type { AlbumsService, Page } from './albums.service.ts';
import type { ImageJson, ImagePresenter } from './image-presenter.ts';

export class ImagesService {
  constructor(
    private readonly repos: Repositories,
    private readonly albums: AlbumsService,
    private readonly presenter: ImagePresenter,
  ) {}

  async list(actor: Actor, albumPublicId: string, page: number, perPage: number): Promise<Page<ImageJson>> {
    const album = await this.albums.find(actor, albumPublicId);
    requireAccess(actor, 'image_list', [album.public_id]);
    const rows = await this.repos.images.listPage(album.id, perPage, (page - 1) * perPage);
    return { items: rows.map((row) => this.presenter.present(row, album.public_id)), total: album.images_count };
  }
}
