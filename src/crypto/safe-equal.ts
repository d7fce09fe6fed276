/**
 * Comparing secrets without telling how much of a guess was right. Shared by the album API and
 * the embedded media host (neither's own code), so that both compare signatures, tokens and
 * password hashes the same way.
 */
import { timingSafeEqual } from 'node:crypto';

/** True when `a` and `b` are the same string, compared in constant time (their lengths are not secret). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
