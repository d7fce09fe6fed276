/**
 * The one place that decides what a caller may do. Every service asks here; nothing else
 * inspects abilities. Tenancy is enforced separately by every query taking the caller's
 * organization id, so another organization's album is simply not found (404).
 */
import { forbidden } from '../errors/app-error.ts';
import { type Abilities, type Ability, declaredTags, grants, type SortOrder, sortOf, type TagLabels } from './abilities.ts';

/** Who is calling: a user or an organization's secret, and what the token lets it do. */
export interface Actor {
  kind: 'user' | 'secret';
  organizationId: string;
  userId: string | null;
  secretId: string | null;
  /** Organization admin rights (an admin user with full rights, or a secret token with `admin: true`). */
  admin: boolean;
  /** null: every album of the organization; else only what these grants name. */
  abilities: Abilities | null;
}

/** True when the actor may use `ability` on the album `albumId` (a public id). */
export function can(actor: Actor, ability: Ability, albumId: string): boolean {
  return actor.abilities === null || grants(actor.abilities, albumId, ability);
}

/** Throws 403 unless the actor may use `ability` on every album in `albumIds`. */
export function requireAccess(actor: Actor, ability: Ability, albumIds: Iterable<string>): void {
  for (const albumId of albumIds) {
    if (!can(actor, ability, albumId)) throw forbidden(`Token lacks the "${ability}" ability on album ${albumId}`);
  }
}

/** Throws 403 unless the actor has organization admin rights. */
export function requireAdmin(actor: Actor): void {
  if (!actor.admin) throw forbidden('Only organization admins may do this');
}

/**
 * Creating an album needs full rights, or (for a token limited to named albums) the
 * `image_upload` ability on the very id being created, so that an uploader provisioned for
 * album X can bring X into being.
 */
export function requireCreate(actor: Actor, publicId: string | undefined): void {
  if (actor.abilities === null) return;
  if (publicId !== undefined && grants(actor.abilities, publicId, 'image_upload')) return;
  throw forbidden('Token may not create albums');
}

/** Albums a restricted actor holds `ability` on (null: all of the organization's). */
export function albumsWith(actor: Actor, ability: Ability): string[] | null {
  if (actor.abilities === null) return null;
  const abilities = actor.abilities;
  return Object.keys(abilities).filter((id) => grants(abilities, id, ability));
}

/*
 * The album operations. Each rule names the abilities on the albums involved (public ids);
 * a destination that does not exist yet is checked like an existing one, and bringing it
 * into being needs what `requireCreate` asks (for a restricted token: `image_upload` on that
 * very id, which these rules ask anyway).
 */

/** Renaming an album: `rename` on it. */
export function requireRename(actor: Actor, album: string): void {
  requireAccess(actor, 'rename', [album]);
}

/**
 * Merging `source` into the existing `destination`: `rename` on the source (it disappears
 * under the destination's id, as a rename would) and `image_upload` on the destination (it
 * receives images, as an upload would).
 */
export function requireMerge(actor: Actor, source: string, destination: string): void {
  requireAccess(actor, 'rename', [source]);
  requireAccess(actor, 'image_upload', [destination]);
}

/**
 * Duplicating `source` into `destination`: `see` and `image_list` on the source (everything
 * copied could be read through those) and `image_upload` on the destination.
 */
export function requireDuplicate(actor: Actor, source: string, destination: string): void {
  requireAccess(actor, 'see', [source]);
  requireAccess(actor, 'image_list', [source]);
  requireAccess(actor, 'image_upload', [destination]);
}

/**
 * Moving images: `image_delete` on every album they leave (the image is gone from there) and
 * `image_upload` on every album they enter.
 */
export function requireMove(actor: Actor, sources: Iterable<string>, destinations: Iterable<string>): void {
  requireAccess(actor, 'image_delete', sources);
  requireAccess(actor, 'image_upload', destinations);
}

/** Deleting images (to the trash): `image_delete` on each of their albums. */
export function requireImageDelete(actor: Actor, albums: Iterable<string>): void {
  requireAccess(actor, 'image_delete', albums);
}

/** Listing or restoring an album's trash: `trash` on it. */
export function requireTrash(actor: Actor, album: string): void {
  requireAccess(actor, 'trash', [album]);
}

/**
 * The albums whose trash the actor may list when it names none: null for all of them; 403
 * for a restricted token that holds `trash` on no album at all (an empty list would read as
 * "the trash is empty").
 */
export function trashableAlbums(actor: Actor): string[] | null {
  const albums = albumsWith(actor, 'trash');
  if (albums !== null && !albums.length) throw forbidden('Token lacks the "trash" ability on every album');
  return albums;
}

/** Declaring an upload batch finished: `image_upload` on the album (it is part of uploading). */
export function requireUploadDone(actor: Actor, album: string): void {
  requireAccess(actor, 'image_upload', [album]);
}

/*
 * Editing one image. Each field names its ability, as SharinPix's abilities page does:
 * title, description and metadatas `image_caption` (they describe the image), rotation
 * `image_rotate`, crop `image_crop`, tags `image_tag`.
 */

/** The abilities an image edit needs, one per kind of field it changes. */
export type ImageEdit = 'caption' | 'rotate' | 'crop';

const EDIT_ABILITIES: Record<ImageEdit, Ability> = { caption: 'image_caption', rotate: 'image_rotate', crop: 'image_crop' };

/** Seeing one image: `see` on its album (the album shows it). */
export function requireImageSee(actor: Actor, album: string): void {
  requireAccess(actor, 'see', [album]);
}

/** Editing an image: the ability of every kind of field the edit changes. */
export function requireImageEdit(actor: Actor, album: string, edits: Iterable<ImageEdit>): void {
  for (const edit of edits) requireAccess(actor, EDIT_ABILITIES[edit], [album]);
}

/**
 * Adding or removing `tag` on images of `album`: `image_tag` on it, and when the token
 * declares the album's tag set, a tag of that set or one of the organization's own tags.
 * Returns the labels the token gives the tag (undefined when it declares none for it).
 */
export function requireTagging(actor: Actor, album: string, tag: string, organizationTags: ReadonlySet<string>): TagLabels | undefined {
  requireAccess(actor, 'image_tag', [album]);
  if (actor.abilities === null) return undefined;
  const declared = declaredTags(actor.abilities, album);
  if (declared === null) return undefined;
  const labels = declared.get(tag);
  if (labels === undefined && !organizationTags.has(tag)) {
    throw forbidden(`Tag "${tag}" is not among the tags this token declares for album ${album}`);
  }
  return labels;
}

/** The image order the actor's token sets for the album (null: the default order). */
export function imageOrderFor(actor: Actor, album: string): SortOrder | null {
  return actor.abilities === null ? null : sortOf(actor.abilities, album);
}

/*
 * Taking photos out (downloads, share links, copies).
 */

/** Downloading an album's originals, one by one or as a ZIP: `image_download` on it. */
export function requireDownload(actor: Actor, album: string): void {
  requireAccess(actor, 'image_download', [album]);
}

/** Creating, listing or revoking an album's share links: `Share` on it. */
export function requireShare(actor: Actor, album: string): void {
  requireAccess(actor, 'Share', [album]);
}

/**
 * Copying images into `destination`: `image_copy` on every album they come from (what a copy
 * takes out) and `image_upload` on the destination (it receives images, as an upload would).
 */
export function requireCopy(actor: Actor, sources: Iterable<string>, destination: string): void {
  requireAccess(actor, 'image_copy', sources);
  requireAccess(actor, 'image_upload', [destination]);
}

/** Duplicating an image inside its album: `image_duplicate` on it. */
export function requireImageDuplicate(actor: Actor, album: string): void {
  requireAccess(actor, 'image_duplicate', [album]);
}
