/**
 * The one rule for making an album, whichever path makes it: `POST /albums`, and every path
 * that opens an album on use (a GET or an upload into a new id, a duplicate, move or copy
 * into one, the media host's upload notification). The creator needs the right to create
 * that id, and a chosen id must be a valid one.
 */
import { type Actor, requireCreate } from '../auth/permissions.ts';
import type { Album } from '../repositories/albums.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import { requireValidAlbumId } from './album-id.ts';

/**
 * Throws unless an album `publicId` (a fresh id when absent) may be made: 403 when `creator`
 * may not create it, 400 for an invalid id. `creator` null is the media host's notification:
 * no caller, the signed token standing for the form's issuer.
 */
export function requireNewAlbumAllowed(creator: Actor | null, publicId: string | undefined): void {
  if (creator) requireCreate(creator, publicId);
  if (publicId !== undefined) requireValidAlbumId(publicId);
}

/**
 * The organization's album `publicId`; when it has none, a new empty one if
 * requireNewAlbumAllowed agrees. A concurrent creation of the same id yields that album.
 */
export async function findOrCreateAlbum(repos: Repositories, organizationId: string, publicId: string, creator: Actor | null): Promise<Album> {
  const found = await repos.albums.findByPublicId(organizationId, publicId);
  if (found) return found;
  requireNewAlbumAllowed(creator, publicId);
  return repos.albums.findOrCreate(organizationId, publicId);
}
