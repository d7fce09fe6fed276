/**
 * Reads the caller's credentials and resolves them to an Actor before anything else is checked.
 * Accepted: `Authorization: Token token="<JWT>"` (quotes optional), `Authorization: Bearer
 * <JWT>`, `Authorization: Basic <secret id:secret>`, and `?token=<JWT>`. Routes marked
 * `config: { public: true }` skip it (they check their own credentials).
 *
 * A refusal is answered from the hook itself (the 401 JSON of AppError, through the same
 * onSend hooks, so with the seed headers), not thrown through Fastify's error path: no error
 * object, stack or error handler for the most common failure, a request without a token.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preValidationHookHandler } from 'fastify';
import { errorJson, unauthorized } from '../../errors/app-error.ts';
import type { Actor } from '../../auth/permissions.ts';
import type { Credentials, Refusal } from '../../services/auth.service.ts';
import { answersAppErrorsAsJson } from './error-handler.ts';

const MALFORMED: Refusal = { refused: 'Malformed Authorization header' };
const MISSING_TOKEN: Refusal = { refused: 'Missing token' };

/** The request's credentials, or why there are none to look at. */
function credentialsOf(request: FastifyRequest): Credentials | Refusal {
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
    return MALFORMED;
  }
  const query = request.query as Record<string, unknown> | undefined;
  if (typeof query?.token === 'string' && query.token) return { kind: 'token', token: query.token };
  return MISSING_TOKEN;
}

/** How a hook refuses credentials with `message`: answering itself, or through `done(error)`. */
type Refuse = (reply: FastifyReply, message: string, done: (err?: Error) => void) => void;

/**
 * Answers 401 as the JSON error handler answers `unauthorized(message)`: the same status, type
 * and object, serialized by the route's 401 schema as that is; the seed headers are written by
 * onSend as for any reply. No error object, stack or error handler is involved.
 */
const answer401: Refuse = (reply, message) => {
  reply.code(401).type('application/json; charset=utf-8').send(errorJson('unauthorized', message));
};

/** Hands `unauthorized(message)` to the scope's error handler (an HTML page's, say). */
const throw401: Refuse = (_reply, message, done) => done(unauthorized(message));

/**
 * The hook: resolves the credentials to `request.auth`, or refuses them with `refuse`.
 * Before validation, so that a caller without a valid token learns that first (401, not 400).
 */
function authenticator(app: FastifyInstance, refuse: Refuse): preValidationHookHandler {
  return (request, reply, done) => {
    const credentials = credentialsOf(request);
    if ('refused' in credentials) return refuse(reply, credentials.refused, done);
    app.services.auth.check(credentials).then((result) => {
      if ('refused' in result) return refuse(reply, result.refused, done);
      request.auth = result;
      done();
    }, done);
  };
}

/**
 * Authenticates every route of `app` not marked public. The hook is added to each route as it
 * is declared (an unknown route, a 404 for anyone, has none), so no request asks its route's
 * options whether it is public. Where the route's errors are the plain AppError JSON (the
 * API's), a refusal is answered by the hook; elsewhere (HTML pages) it goes to the error handler.
 */
export function authentication(app: FastifyInstance): void {
  app.decorateRequest('auth', null);
  const answering = authenticator(app, answer401);
  const throwing = authenticator(app, throw401);
  app.addHook('onRoute', function (this: FastifyInstance, route) {
    if ((route.config as { public?: boolean } | undefined)?.public) return;
    const json = route.errorHandler === undefined && answersAppErrorsAsJson(this.errorHandler);
    const own = route.preValidation;
    const hook = json ? answering : throwing;
    route.preValidation = own === undefined ? [hook] : [hook, ...(Array.isArray(own) ? own : [own])];
  });
}

/** The authenticated actor of a request (routes that are not public always have one). */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.auth) throw unauthorized();
  return request.auth.actor;
}
