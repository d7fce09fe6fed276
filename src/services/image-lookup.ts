/** One live image of the organization and its album, or 404 (trashed, foreign and unknown alike). */
import { notFound } from '../errors/app-error.ts';
import type { Album } from '../repositories/albums.repository.ts';
import type { ImageRow } from '../repositories/images.repository.ts';
import type { Repositories } from '../repositories/index.ts';

export async function liveImage(repos: Repositories, organizationId: string, imageId: string): Promise<{ image: ImageRow; album: Album }> {
  const image = await repos.images.find(organizationId, imageId);
  if (!image || image.deleted_at !== null) throw notFound('Image');
  const album = await repos.albums.findById(organizationId, image.album_id);
  if (!album) throw notFound('Image');
  return { image, album };
}
