/**
 * No parameter may hold a NUL character (U+0000), in a path, a query string or a body, keys
 * included: nothing legitimate sends one, PostgreSQL cannot store or even compare text holding
 * it (a lookup would fail as a 500), and SQLite would store it. One rule for every route keeps
 * both databases answering the same 400.
 */
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../../errors/app-error.ts';

/** Where in `value` a NUL is, as a dotted path from `at`, or null. Bodies are bounded (1 MiB), so is the walk. */
function nulIn(value: unknown, at: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? at : null;
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, inner] of Object.entries(value)) {
    const path = `${at}.${key.replaceAll('\u0000', '\\0')}`;
    if (key.includes('\u0000')) return path;
    const found = nulIn(inner, path);
    if (found) return found;
  }
  return null;
}

export function refuseNul(app: FastifyInstance): void {
  // After authentication and validation: a caller without a valid token learns that first.
  app.addHook('preHandler', (request, _reply, done) => {
    const where = nulIn(request.params, 'path') ?? nulIn(request.query, 'query') ?? nulIn(request.body, 'body');
    done(where ? badRequest(`${where} contains a NUL character (U+0000), which no parameter may hold`) : undefined);
  });
}
