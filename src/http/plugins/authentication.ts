/**
 * Reads the caller's credentials and resolves them to an Actor before anything else is checked.
 * Accepted: `Authorization: Token token="<JWT>"` (quotes optional), `Authorization: Bearer
 * <JWT>`, `Authorization: Basic <secret id:secret>`, and `?token=<JWT>`. Routes marked
 * `config: { public: true }` skip it (they check their own credentials).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unauthorized } from '../../errors/app-error.ts';
import type { Actor } from '../../auth/permissions.ts';
import type { Credentials } from '../../services/auth.service.ts';

function credentialsOf(request: FastifyRequest): Credentials | null {
  const header = request.headers.authorization;
  if (header) {
    const token = /^Token\s+(?:token=)?"?([^"\s]+)"?\s*$/i.exec(header) ?? /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (token) return { kind: 'token', token: token[1]! };
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { kind: 'basic', id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
    }
    throw unauthorized('Malformed Authorization header');
  }
  const query = request.query as Record<string, unknown> | undefined;
  if (typeof query?.token === 'string' && query.token) return { kind: 'token', token: query.token };
  return null;
}

export function authentication(app: FastifyInstance): void {
  app.decorateRequest('auth', null);
  // Before validation, so that a caller without a valid token learns that first (401, not 400).
  app.addHook('preValidation', async (request) => {
    // An unknown route is a 404 for anyone, with or without a token.
    if (request.routeOptions.config.public || request.is404) return;
    request.auth = await app.services.auth.authenticate(credentialsOf(request));
  });
}

/** The authenticated actor of a request (routes that are not public always have one). */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.auth) throw unauthorized();
  return request.auth.actor;
}
