/**
 * Abilities carried by tokens: `{"<album id>": {"Access": {"see": true, ...}, "Tags": {...},
 * "Sort": {...}}}`, as SharinPix's clients write them (its documentation's abilities page).
 * An ability that is absent or not exactly `true` is denied.
 */
export const ABILITIES = [
  'see',
  'image_list',
  'image_upload',
  'image_delete',
  'rename',
  'trash',
  'image_tag',
  'image_caption',
  'image_rotate',
  'image_crop',
  'image_download',
  'Share',
  'image_copy',
  'image_duplicate',
] as const;
export type Ability = (typeof ABILITIES)[number];

/** A tag's labels per language, `{"en": "car", "fr": "voiture"}`. */
export type TagLabels = Record<string, string>;

/** How an album's images are ordered: SharinPix's `Sort` behaviour ability. */
export interface SortOrder {
  field: 'created_at' | 'taken_at';
  order: 'asc' | 'desc';
}

/** One album's grants: its abilities, its declared tag set, its image order. */
export interface AlbumGrant {
  Access?: Partial<Record<string, boolean>>;
  Tags?: Record<string, TagLabels>;
  Sort?: { field?: string; order?: string };
}

/** Per-album grants, as they appear in a token. */
export type Abilities = Record<string, AlbumGrant | undefined>;

/** True when `abilities` grants `ability` on the album `albumId`. */
export function grants(abilities: Abilities, albumId: string, ability: Ability): boolean {
  return abilities[albumId]?.Access?.[ability] === true;
}

/** SharinPix also reads the album's order from a `Sort` entry beside the album ids. */
const TOP_LEVEL_SORT = 'Sort';

/** What one album's entry may hold. */
const GRANT_KEYS = ['Access', 'Tags', 'Sort'];

/**
 * Abilities someone asks a token to carry (`POST /token`, the CLI's `token --abilities`): as
 * `parseAbilities`, and a misspelt key (`Acess`, `image_uplaod`) is an error naming it and what
 * is allowed there, rather than a token silently missing what was meant. Tokens that arrive
 * signed are read leniently (SharinPix's clients carry abilities we do not implement).
 */
export function parseRequestedAbilities(value: unknown): { abilities: Abilities } | { error: string } {
  const abilities = parseAbilities(value);
  if (!abilities) return { error: 'abilities must be a JSON object like {"<album id>": {"Access": {"see": true, ...}}}' };
  for (const [albumId, grant] of Object.entries(abilities)) {
    if (albumId === TOP_LEVEL_SORT) continue;
    const key = Object.keys(grant ?? {}).find((k) => !GRANT_KEYS.includes(k));
    if (key) return { error: `Unknown key abilities[${albumId}][${key}]: abilities[${albumId}][...] takes ${GRANT_KEYS.join(', ')}` };
    const ability = Object.keys(grant?.Access ?? {}).find((a) => !(ABILITIES as readonly string[]).includes(a));
    if (ability) return { error: `Unknown ability abilities[${albumId}][Access][${ability}]: Access takes ${ABILITIES.join(', ')}` };
  }
  return { abilities };
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


/** `date_taken` is the documentation's name for the field its own example calls `taken_at`. */
const SORT_FIELDS: Record<string, SortOrder['field']> = { created_at: 'created_at', taken_at: 'taken_at', date_taken: 'taken_at' };

/** Reads a `{field, order}` pair from untrusted input; null when either is not one of ours. */
export function parseSort(value: unknown): SortOrder | null {
  if (value === null || typeof value !== 'object') return null;
  const { field, order } = value as Record<string, unknown>;
  const sortField = typeof field === 'string' ? SORT_FIELDS[field] : undefined;
  if (!sortField || (order !== 'asc' && order !== 'desc')) return null;
  return { field: sortField, order };
}

/** The image order a token sets for an album: the album's own `Sort`, else the top-level one. */
export function sortOf(abilities: Abilities, albumId: string): SortOrder | null {
  return parseSort(abilities[albumId]?.Sort) ?? parseSort(abilities[TOP_LEVEL_SORT]);
}

/** The tag set a token declares for an album (null: none declared, any tag goes). */
export function declaredTags(abilities: Abilities, albumId: string): Map<string, TagLabels> | null {
  const tags = abilities[albumId]?.Tags;
  if (tags === undefined || tags === null || typeof tags !== 'object' || Array.isArray(tags)) return null;
  const out = new Map<string, TagLabels>();
  for (const [name, labels] of Object.entries(tags)) {
    const clean: TagLabels = {};
    if (labels && typeof labels === 'object') {
      for (const [lang, label] of Object.entries(labels)) if (typeof label === 'string') clean[lang] = label;
    }
    out.set(name, clean);
  }
  return out;
}

/** True when every grant of `inner` is also granted by `outer` (inner is no wider). */
export function isNarrowerOrEqual(inner: Abilities, outer: Abilities): boolean {
  return Object.entries(inner).every(([albumId, grant]) => {
    const abilitiesWithin = Object.entries(grant?.Access ?? {}).every(
      ([ability, allowed]) => allowed !== true || outer[albumId]?.Access?.[ability] === true,
    );
    // A declared tag set limits tagging: the narrower token may only declare fewer tags.
    const outerTags = declaredTags(outer, albumId);
    const innerTags = declaredTags(inner, albumId);
    const tagsWithin = outerTags === null || (innerTags !== null && [...innerTags.keys()].every((name) => outerTags.has(name)));
    return abilitiesWithin && tagsWithin;
  });
}
