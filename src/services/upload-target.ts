/**
 * The album an upload goes into: the organization's album of that id, or (when the caller
 * could create it: full rights, or `image_upload` on that very id) a new one, opened on
 * first use as SharinPix's clients expect. Another organization's album of the same id is
 * never reached; without the right to create it, a missing id is a 404 and nothing is made.
 */
import { type Actor, can } from '../auth/permissions.ts';
import { notFound } from '../errors/app-error.ts';
import type { Album } from '../repositories/albums.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import { findOrCreateAlbum } from './album-creation.ts';

export async function uploadTarget(repos: Repositories, actor: Actor, publicId: string): Promise<Album> {
  const found = await repos.albums.findByPublicId(actor.organizationId, publicId);
  if (found) return found;
  if (!can(actor, 'albums.create', { album: [publicId] })) throw notFound('Album');
  return findOrCreateAlbum(repos, actor.organizationId, publicId, actor);
}
