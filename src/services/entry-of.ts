/**
 * `map`'s value for `key` where the caller's own reads guarantee one (an image's album, a
 * destination just opened): a missing one is a broken invariant, answered as a 500 like any
 * other, never a client's error.
 */
export function entryOf<K, V>(map: ReadonlyMap<K, V>, key: K, what: string): V {
  const value = map.get(key);
  if (value === undefined) throw new Error(`No ${what} for ${String(key)}`);
  return value;
}
