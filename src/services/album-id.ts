/**
 * What an album id (its public id, chosen by the client) may be. Ids end up in URLs, upload
 * form tags, ZIP names and logs, where control characters and invisible edges do harm or
 * mislead; anything else printable (any language, punctuation, inner spaces) is fine.
 */
import { badRequest } from '../errors/app-error.ts';

export const ALBUM_ID_MAX_LENGTH = 255;

/** Control characters (C0, DEL, C1) and the Unicode line and paragraph separators. */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
const EDGE_SPACE = /^\s|\s$/u;

export const ALBUM_ID_RULE =
  `1 to ${ALBUM_ID_MAX_LENGTH} printable characters: letters, digits, punctuation and inner spaces; ` +
  'no control characters (NUL, tab, newline, ...) and no leading or trailing spaces';

/** Throws a 400 naming what is allowed when `id` is not a valid new album id. */
export function requireValidAlbumId(id: string): void {
  if (id.length === 0 || id.length > ALBUM_ID_MAX_LENGTH || CONTROL.test(id) || EDGE_SPACE.test(id)) {
    throw badRequest(`Invalid album id ${JSON.stringify(id)}: an album id is ${ALBUM_ID_RULE}`);
  }
}
