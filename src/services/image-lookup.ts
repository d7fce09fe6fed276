/**
 * "Live images or 404": the images an operation names must be live images of the
 * organization; a trashed, foreign or unknown one is a 404 alike, and nothing is done.
 */
import { notFound } from '../errors/app-error.ts';
import type { Album } from '../repositories/albums.repository.ts';
import type { ImageRef, ImageRow } from '../repositories/images.repository.ts';
import type { Repositories } from '../repositories/index.ts';

/** One live image of the organization and its album, or 404. */
export async function liveImage(repos: Repositories, organizationId: string, imageId: string): Promise<{ image: ImageRow; album: Album }> {
  const image = await repos.images.find(organizationId, imageId);
  if (!image || image.deleted_at !== null) throw notFound('Image');
  const album = await repos.albums.findById(organizationId, image.album_id);
  if (!album) throw notFound('Image');
  return { image, album };
}

/** Every one of `ids` (once each, in their order) as a live image's reference, or 404 naming the others. */
export async function liveImageRefs(repos: Repositories, organizationId: string, ids: readonly string[]): Promise<ImageRef[]> {
  return allOf(ids, await repos.images.findLive(organizationId, ids));
}

/** Every one of `ids` (once each, in their order) as a live image's row, or 404 naming the others. */
export async function liveImageRows(repos: Repositories, organizationId: string, ids: readonly string[]): Promise<ImageRow[]> {
  return allOf(
    ids,
    (await repos.images.findMany(organizationId, ids)).filter((row) => row.deleted_at === null),
  );
}

function allOf<T extends { id: string }>(ids: readonly string[], live: readonly T[]): T[] {
  const byId = new Map(live.map((row) => [row.id, row]));
  const found: T[] = [];
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    const row = byId.get(id);
    if (row) found.push(row);
    else missing.push(id);
  }
  if (missing.length) {
    throw notFound(`Image${missing.length > 1 ? 's' : ''} ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? `, … (${missing.length})` : ''}`);
  }
  return found;
}
