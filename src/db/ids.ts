import { randomUUID } from 'node:crypto';

/**
 * A version-7 UUID (RFC 9562): the first 48 bits are `ms`, the Unix time in milliseconds,
 * the rest random (74 bits), so ids made one after another sort one after another. A B-tree
 * keyed on them takes each new key at its right edge, in the page it wrote last, instead of
 * in a random page: measured on albums (BENCHMARKS.md, "Pages and create keys"), PostgreSQL
 * wrote 8 × less WAL per INSERT (no full-page image of a random index page after each
 * checkpoint) and SQLite's INSERT got cheaper as the table outgrew its page cache.
 */
export function timeOrderedUuid(ms = Date.now()): string {
  const time = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  // randomUUID() is xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx: its random bits after the version
  // digit, and its variant, are kept.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${randomUUID().slice(15)}`;
}
