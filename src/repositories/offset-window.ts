/**
 * How to read the rows [offset, offset + limit) of a list of `total` rows: from its start,
 * or, past the middle, as the rows [total - offset - limit, total - offset) of the list in
 * the opposite order (then reversed), so that no page skips more than half the list. Without
 * a total, from the start.
 */
export function offsetWindow(offset: number, limit: number, total: number | undefined): { reverse: boolean; offset: number; limit: number } {
  if (total === undefined || offset * 2 <= total - limit) return { reverse: false, offset, limit };
  const end = total - offset;
  return { reverse: true, offset: Math.max(0, end - limit), limit: Math.min(limit, end) };
}
