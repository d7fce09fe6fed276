/**
 * `GET /images/:image_id/thumbnails/:type`, the original service's stable link to an image's
 * named derivative: resolves to the current signed delivery URL after checking the caller may
 * `see` the image's album.
 */
import { type Actor, requireAccess } from '../auth/permissions.ts';
import { badRequest } from '../errors/app-error.ts';
import type { Repositories } from '../repositories/index.ts';
import { liveImage } from './image-lookup.ts';
import { type ImagePresenter, THUMBNAIL_TRANSFORMATIONS, type ThumbnailName } from './image-presenter.ts';

/** True for `original`, `full`, `large`, `mini`. */
export function isThumbnailName(name: string): name is ThumbnailName {
  return Object.hasOwn(THUMBNAIL_TRANSFORMATIONS, name);
}

export class ThumbnailLinksService {
  constructor(
    private readonly repos: Repositories,
    private readonly presenter: ImagePresenter,
  ) {}

  /**
   * The signed URL of the image's derivative `type`: 400 `Invalid url` for an unknown type
   * (as the delivery host answers a bad URL), 404 for an image that is not live in the
   * actor's organization, 403 without `see` on its album.
   */
  async url(actor: Actor, imageId: string, type: string): Promise<string> {
    if (!isThumbnailName(type)) throw badRequest('Invalid url');
    const { image, album } = await liveImage(this.repos, actor.organizationId, imageId);
    requireAccess(actor, 'images.get', { album: [album.public_id] });
    return this.presenter.thumbnails(image)[type];
  }
}
