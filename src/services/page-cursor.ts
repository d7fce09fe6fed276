/**
 * Cursors of keyset pages (`cursor=` on the lists): an opaque token naming where the previous
 * page ended (its last row's sort key) and which listing it belongs to (the list, and for an
 * album's images the order and tag filter; for the trash the album). Base64url of JSON, not
 * signed: it only chooses where to start within what the caller may list anyway, and every
 * query stays scoped to the caller's organization and albums.
 */
import { badRequest } from '../errors/app-error.ts';

/** The lists that page by cursor. */
export type CursorList = 'albums' | 'images' | 'trash';

/** The first element of every cursor: its format, should it ever change. */
const VERSION = 1;
/** Longest sort-key value a cursor carries (ids and ISO-8601 timestamps are far shorter). */
const MAX_VALUE = 255;

/** One page of a list: its items, the list's total, and the cursor of the page after it (null: none). */
export interface Page<T> {
  items: T[];
  total: number;
  next: string | null;
}

/** Which page a client asks for: `page` (from 1) or `cursor` (never both), and its size. */
export interface PageRequest {
  perPage: number;
  page?: number;
  cursor?: string;
}

/** The cursor naming the row whose sort key is `key` in listing `scope` of `list`. */
export function encodeCursor(list: CursorList, scope: string, key: ReadonlyArray<string | null>): string {
  return Buffer.from(JSON.stringify([VERSION, list, scope, ...key])).toString('base64url');
}

/**
 * The sort key a cursor names, checked to belong to listing `scope` of `list` and to have
 * `length` values: 400 otherwise (a cursor of another list, order or filter, or not one).
 */
export function decodeCursor(cursor: string, list: CursorList, scope: string, length: number): Array<string | null> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = null;
  }
  if (
    !Array.isArray(value) ||
    value[0] !== VERSION ||
    value[1] !== list ||
    typeof value[2] !== 'string' ||
    value.length !== 3 + length ||
    !value.slice(3).every((v) => v === null || (typeof v === 'string' && v.length <= MAX_VALUE))
  ) {
    throw badRequest('Invalid cursor: pass the X-Next-Cursor (or Link rel="next") of a previous page of this list');
  }
  if (value[2] !== scope) throw badRequest('Invalid cursor: it was made for another order or filter of this list');
  return value.slice(3) as Array<string | null>;
}

/**
 * The page after `rows` (read with one row more than `perPage` asked, to know whether there
 * is one): its cursor, from the last row shown, or null.
 */
export function pageOf<R, T>(rows: R[], perPage: number, more: boolean, keyOf: (row: R) => string, present: (row: R) => T): { items: T[]; next: string | null } {
  const shown = rows.slice(0, perPage);
  return { items: shown.map(present), next: more && shown.length ? keyOf(shown[shown.length - 1]!) : null };
}
