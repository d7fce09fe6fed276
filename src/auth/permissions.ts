/**
 * The one place that decides what a caller may do. Every service asks here; nothing else
 * inspects abilities. Tenancy is enforced separately by every query taking the caller's
 * organization id, so another organization's album is simply not found (404).
 */
import { forbidden } from '../errors/app-error.ts';
import {
  type Abilities,
  type Ability,
  declaredTags,
  grants,
  isNarrowerOrEqual,
  type SortOrder,
  sortOf,
  type TagLabels,
} from './abilities.ts';

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

/** The rule of an operation that only organization admins may do (it concerns no album). */
export const ADMIN_ONLY = 'admin only';

/** Per role an album plays in an operation, the abilities wanted on every album in that role. */
export type AlbumRule = Readonly<Record<string, readonly Ability[]>>;

/**
 * Every operation and what it needs; an operation not listed here cannot be asked for. The
 * albums are named by public id. A destination that does not exist yet is checked like an
 * existing one; bringing it into being also needs `requireCreate` (for a restricted token:
 * `image_upload` on that very id, which these rules ask anyway).
 */
export const OPERATIONS = {
  /** Listing filters rather than refuses: see `albumsWith`. */
  'albums.list': { album: ['see'] },
  'albums.get': { album: ['see'] },
  /** With the rest of the rule in `requireCreate`. */
  'albums.create': { album: ['image_upload'] },
  'albums.rename': { album: ['rename'] },
  /** The source disappears under the destination's id, as a rename would; the destination receives images, as an upload would. */
  'albums.merge': { source: ['rename'], destination: ['image_upload'] },
  /** Everything copied could be read through `see` and `image_list` on the source. */
  'albums.duplicate': { source: ['see', 'image_list'], destination: ['image_upload'] },
  /** Declaring an upload batch finished is part of uploading. */
  'albums.uploadDone': { album: ['image_upload'] },
  /** Creating, listing or revoking an album's share links. */
  'albums.share': { album: ['Share'] },
  'images.list': { album: ['image_list'] },
  /** Seeing one image (or its thumbnail): the album shows it. */
  'images.get': { album: ['see'] },
  /** Recording an upload into the album (a registered answer, an imported URL). */
  'images.upload': { album: ['image_upload'] },
  /*
   * Editing one image: each kind of field names its ability, as SharinPix's abilities page
   * does (title, description and metadatas describe the image). See `requireImageEdit`.
   */
  'images.caption': { album: ['image_caption'] },
  'images.rotate': { album: ['image_rotate'] },
  'images.crop': { album: ['image_crop'] },
  /** With the token's declared tag set: see `requireTagging`. */
  'images.tag': { album: ['image_tag'] },
  /** The images are gone from every album they leave, and every album they enter receives them. */
  'images.move': { source: ['image_delete'], destination: ['image_upload'] },
  /** To the trash. */
  'images.delete': { album: ['image_delete'] },
  /** `image_copy` is what a copy takes out of its sources; the destination receives images. */
  'images.copy': { source: ['image_copy'], destination: ['image_upload'] },
  /** A second image of the picture inside its album. */
  'images.duplicate': { album: ['image_duplicate'] },
  /** An album's originals, one by one or as a ZIP. */
  'images.download': { album: ['image_download'] },
  /** Without an album named: see `trashableAlbums`. */
  'trash.list': { album: ['trash'] },
  'trash.restore': { album: ['trash'] },
  /** The organization's own tags, offered to every album. */
  'tags.manage': ADMIN_ONLY,
  'secrets.create': ADMIN_ONLY,
  'organization.update': ADMIN_ONLY,
} as const satisfies Record<string, AlbumRule | typeof ADMIN_ONLY>;

export type Operation = keyof typeof OPERATIONS;

/** Operations on albums (not admin-only). */
export type AlbumOperation = { [O in Operation]: (typeof OPERATIONS)[O] extends AlbumRule ? O : never }[Operation];

/** Operations on one album (role `album`). */
export type SingleAlbumOperation = { [O in AlbumOperation]: keyof (typeof OPERATIONS)[O] extends 'album' ? O : never }[AlbumOperation];

/** The albums (public ids) an operation involves, per role of its rule. */
export type AlbumsOf<O extends AlbumOperation> = { readonly [R in keyof (typeof OPERATIONS)[O]]: readonly string[] };

/** What an operation is asked with: its albums per role, or nothing for an admin-only one. */
export type AccessArgs<O extends Operation> = O extends AlbumOperation ? [albums: AlbumsOf<O>] : [];

/** Why the actor may not do `operation` on these albums; null when it may. */
function refusal(actor: Actor, operation: Operation, albums: Readonly<Record<string, readonly string[]>> | undefined): string | null {
  const rule: AlbumRule | typeof ADMIN_ONLY = OPERATIONS[operation];
  if (rule === ADMIN_ONLY) return actor.admin ? null : 'Only organization admins may do this';
  const abilities = actor.abilities;
  if (abilities === null) return null;
  for (const [role, wanted] of Object.entries(rule)) {
    for (const ability of wanted) {
      for (const albumId of albums?.[role] ?? []) {
        if (!grants(abilities, albumId, ability)) return `Token lacks the "${ability}" ability on album ${albumId}`;
      }
    }
  }
  return null;
}

/** True when the actor may do `operation` on these albums. */
export function can<O extends Operation>(actor: Actor, operation: O, ...[albums]: AccessArgs<O>): boolean {
  return refusal(actor, operation, albums) === null;
}

/** Throws 403 unless the actor may do `operation`: every ability of its rule on every album of each role. */
export function requireAccess<O extends Operation>(actor: Actor, operation: O, ...[albums]: AccessArgs<O>): void {
  const refused = refusal(actor, operation, albums);
  if (refused !== null) throw forbidden(refused);
}

/** Albums a restricted actor may do `operation` on (null: all of the organization's). */
export function albumsWith(actor: Actor, operation: SingleAlbumOperation): string[] | null {
  if (actor.abilities === null) return null;
  return Object.keys(actor.abilities).filter((id) => can(actor, operation, { album: [id] }));
}

/*
 * Rules that are not one table row each: they depend on more than the albums involved.
 */

/**
 * Creating an album needs full rights, or (for a token limited to named albums) what
 * `albums.create` asks on the very id being created, so that an uploader provisioned for
 * album X can bring X into being. Not a row alone: without an id, only full rights create.
 */
export function requireCreate(actor: Actor, publicId: string | undefined): void {
  if (actor.abilities === null) return;
  if (publicId !== undefined && can(actor, 'albums.create', { album: [publicId] })) return;
  throw forbidden('Token may not create albums');
}

/**
 * The albums whose trash the actor may list when it names none: null for all of them; 403
 * for a restricted token that holds `trash` on no album at all (an empty list would read as
 * "the trash is empty").
 */
export function trashableAlbums(actor: Actor): string[] | null {
  const albums = albumsWith(actor, 'trash.list');
  if (albums !== null && !albums.length) throw forbidden('Token lacks the "trash" ability on every album');
  return albums;
}

/** The kinds of field an image edit changes, each an operation `images.<kind>`. */
export type ImageEdit = 'caption' | 'rotate' | 'crop';

/** Editing an image: one edit is several operations, one per kind of field it changes. */
export function requireImageEdit(actor: Actor, album: string, edits: Iterable<ImageEdit>): void {
  for (const edit of edits) requireAccess(actor, `images.${edit}`, { album: [album] });
}

/**
 * Adding or removing `tag` on images of `album`: `images.tag` on it, and when the token
 * declares the album's tag set, a tag of that set or one of the organization's own tags.
 * Returns the labels the token gives the tag (undefined when it declares none for it).
 */
export function requireTagging(actor: Actor, album: string, tag: string, organizationTags: ReadonlySet<string>): TagLabels | undefined {
  requireAccess(actor, 'images.tag', { album: [album] });
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
 * Tokens: what a verified one lets its bearer do, and how far one it mints may reach.
 */

/** A verified token, as far as its rights go. */
export type TokenGrant =
  | { kind: 'user'; userIsAdmin: boolean; abilities: Abilities }
  | { kind: 'secret'; admin: boolean; abilities: Abilities };

/**
 * The rights a verified token gives. A user token naming no album carries its user's full
 * rights (admin ones too, when the user is an admin); naming any, it is restricted to those
 * grants and never admin. A secret token is admin (full rights) when it says so, else
 * restricted to its grants, even when they name nothing.
 */
export function tokenRights(token: TokenGrant): Pick<Actor, 'admin' | 'abilities'> {
  if (token.kind === 'secret') return { admin: token.admin, abilities: token.admin ? null : token.abilities };
  const restricted = Object.keys(token.abilities).length > 0;
  return { admin: token.userIsAdmin && !restricted, abilities: restricted ? token.abilities : null };
}

/**
 * How far a token minted by `actor` may reach: its abilities must be granted by the actor's
 * own (a caller with full rights may grant anything in its organization), and a restricted
 * caller cannot mint one naming no album (that would be full rights).
 */
export function requireMintable(actor: Actor, requested: Abilities): void {
  if (actor.abilities === null) return;
  if (!isNarrowerOrEqual(requested, actor.abilities)) throw forbidden('A minted token cannot grant more than the caller holds');
  if (Object.keys(requested).length === 0) throw forbidden('A restricted token cannot mint a token with full rights');
}
