/**
 * The response headers of the original service, on every API response (errors included), in
 * the seed's order. Values that change per request (X-token, X-Request-Id, X-Runtime) are
 * reserved in place at the start and filled in at the end, so the order holds.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const FIXED_BEFORE_TOKEN = {
  'Cache-Control': 'no-cache, no-store',
  Pragma: 'no-cache',
  Expires: 'Fri, 01 Jan 1990 00:00:00 GMT',
  'Content-Type': 'application/json; charset=utf-8',
};

const FIXED_AFTER_RUNTIME = {
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'X-XSS-Protection': '1; mode=block',
  'X-Download-Options': 'noopen',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'Referrer-Policy': 'origin-when-cross-origin, strict-origin-when-cross-origin',
};

const P3P = 'CP="NOI ADM DEV PSAi COM NAV OUR OTRo STP IND DEM"';

/** Seconds since the request started, with 6 decimals, as Rails' X-Runtime. */
function runtime(request: FastifyRequest): string {
  return (Number(process.hrtime.bigint() - request.startedAt) / 1e9).toFixed(6);
}

/** The fixed seed headers in order, with a request id, for answers written straight to a socket. */
export function rawSeedHeaders(requestId: string): Array<[string, string]> {
  return [
    ...Object.entries(FIXED_BEFORE_TOKEN),
    ['Vary', 'Accept-Encoding'],
    ['P3P', P3P],
    ['X-Request-Id', requestId],
    ['X-Runtime', (0).toFixed(6)],
    ...Object.entries(FIXED_AFTER_RUNTIME),
  ];
}

/** Reserves every seed header in order (the request's hooks fill in X-token and X-Runtime). */
export function writeSeedHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.headers(FIXED_BEFORE_TOKEN);
  reply.header('X-token', '');
  reply.header('Vary', 'Accept-Encoding');
  reply.header('P3P', P3P);
  reply.header('X-Request-Id', request.id);
  reply.header('X-Runtime', '');
  reply.headers(FIXED_AFTER_RUNTIME);
}

/** Fills in the per-request values reserved by writeSeedHeaders, as the answer goes out. */
export function finishSeedHeaders(request: FastifyRequest, reply: FastifyReply): void {
  const token = request.auth?.nextToken;
  if (token) reply.header('X-token', token);
  else reply.removeHeader('X-token');
  reply.header('X-Runtime', runtime(request));
}

/** Registers the headers on every route of `app` (call it inside the API's scope). */
export function seedHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    writeSeedHeaders(request, reply);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    finishSeedHeaders(request, reply);
    return payload;
  });
}
