/**
 * Abilities carried by tokens: `{"<album id>": {"Access": {"see": true, ...}}}`.
 * An ability that is absent or not exactly `true` is denied.
 */
export const ABILITIES = [
  'see',
  'image_list',
  'image_upload',
  'image_delete',
  'rename',
  'trash',
  'image_download',
  'Share',
  'image_copy',
  'image_duplicate',
] as const;
export type Ability = (typeof ABILITIES)[number];

/** Per-album grants, as they appear in a token. */
export type Abilities = Record<string, { Access?: Partial<Record<string, boolean>> } | undefined>;

/** True when `abilities` grants `ability` on the album `albumId`. */
export function grants(abilities: Abilities, albumId: string, ability: Ability): boolean {
  return abilities[albumId]?.Access?.[ability] === true;
}

/** Reads abilities from untrusted JSON; null when the shape is wrong. */
export function parseAbilities(value: unknown): Abilities | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  for (const grant of Object.values(value as Record<string, unknown>)) {
    if (grant === null || typeof grant !== 'object' || Array.isArray(grant)) return null;
    const access = (grant as Record<string, unknown>).Access;
    if (access === undefined) continue;
    if (access === null || typeof access !== 'object' || Array.isArray(access)) return null;
    if (Object.values(access).some((v) => typeof v !== 'boolean')) return null;
  }
  return value as Abilities;
}

/** True when every grant of `inner` is also granted by `outer` (inner is no wider). */
export function isNarrowerOrEqual(inner: Abilities, outer: Abilities): boolean {
  return Object.entries(inner).every(([albumId, grant]) =>
    Object.entries(grant?.Access ?? {}).every(
      ([ability, allowed]) => allowed !== true || outer[albumId]?.Access?.[ability] === true,
    ),
  );
}
