/**
 * SQLite's parameter limit is the lowest of our databases (999 in older builds; PostgreSQL
 * allows 65535), so every `IN` list and multi-row insert is cut into pieces of this many
 * parameters at most.
 */
export const MAX_PARAMETERS = 900;

/** `items` in consecutive pieces of at most `size`. */
export function chunked<T>(items: readonly T[], size = MAX_PARAMETERS): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
