/**
 * The one place that decides what a caller may do. Every service asks here; nothing else
 * inspects abilities. Tenancy is enforced separately by every query taking the caller's
 * organization id, so another organization's album is simply not found (404).
 */
import { forbidden } from '../errors/app-error.ts';
import { type Abilities, type Ability, grants } from './abilities.ts';

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

/** The subset of `albumIds` the actor may use `ability` on. */
export function permitted(actor: Actor, ability: Ability, albumIds: string[]): string[] {
  return albumIds.filter((id) => can(actor, ability, id));
}

/** True when the actor is not limited to named albums. */
export function hasFullAccess(actor: Actor): boolean {
  return actor.abilities === null;
}

/** Albums a restricted actor may `see` (null: all of the organization's). */
export function visibleAlbumIds(actor: Actor): string[] | null {
  if (actor.abilities === null) return null;
  const abilities = actor.abilities;
  return Object.keys(abilities).filter((id) => grants(abilities, id, 'see'));
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
