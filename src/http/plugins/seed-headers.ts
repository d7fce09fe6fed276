/**
 * The response headers of the original service, on every API response (errors included), in
 * the seed's order. They are written once per reply, as it goes out (onSend), from a
 * precomputed block: one object literal in the seed's order holding the fixed values and this
 * request's X-token, X-Request-Id and X-Runtime, followed by whatever the route set itself
 * (a route's Content-Type or Cache-Control takes the seed's place; its own headers follow).
 *
 * The block replaces Fastify's header map of the reply in one assignment (Fastify keeps that
 * map under its `kReplyHeaders` symbol and reads it only when the reply is written): setting
 * 15 headers one by one, then deleting X-token when there is no token (which turns the map
 * into a slow dictionary for the rest of the reply), costs more than the block.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifySymbols from 'fastify/lib/symbols.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const CACHE_CONTROL = 'no-cache, no-store';
const EXPIRES = 'Fri, 01 Jan 1990 00:00:00 GMT';
const P3P = 'CP="NOI ADM DEV PSAi COM NAV OUR OTRo STP IND DEM"';
const REFERRER_POLICY = 'origin-when-cross-origin, strict-origin-when-cross-origin';

// Fastify's own symbol for a reply's header map, imported (not required) so that a bundle
// holds the one module Fastify itself uses. Checked here, at load, so that a Fastify without
// it fails at start rather than on the first reply.
const { kReplyHeaders } = fastifySymbols;
if (typeof kReplyHeaders !== 'symbol') throw new Error('fastify/lib/symbols.js has no kReplyHeaders: seed-headers.ts needs updating');
const HEADERS: symbol = kReplyHeaders;

type HeaderMap = Record<string, string | number | string[] | undefined>;

/**
 * A reply as Fastify builds it: its header map sits under kReplyHeaders, which Fastify's types
 * do not declare. Narrowing to this (rather than reading through Reflect, untyped) keeps the
 * access a plain property load on the hot path.
 */
type ReplyWithHeaderMap = FastifyReply & Record<symbol, HeaderMap>;

/**
 * The seed headers in order, lower-cased as Fastify keeps them (X-token only when there is
 * one). One literal, the token inserted in its place rather than deleted after: both shapes
 * stay fast objects.
 */
function seedBlock(token: string | undefined, requestId: string, runtime: string): HeaderMap {
  const headers: HeaderMap = { 'cache-control': CACHE_CONTROL, pragma: 'no-cache', expires: EXPIRES, 'content-type': JSON_TYPE };
  if (token) headers['x-token'] = token;
  headers.vary = 'Accept-Encoding';
  headers.p3p = P3P;
  headers['x-request-id'] = requestId;
  headers['x-runtime'] = runtime;
  headers['x-frame-options'] = 'DENY';
  headers['x-content-type-options'] = 'nosniff';
  headers['x-xss-protection'] = '1; mode=block';
  headers['x-download-options'] = 'noopen';
  headers['x-permitted-cross-domain-policies'] = 'none';
  headers['referrer-policy'] = REFERRER_POLICY;
  return headers;
}

/** Seconds since the request started, with 6 decimals, as Rails' X-Runtime. */
function runtime(request: FastifyRequest): string {
  return (Number(process.hrtime.bigint() - request.startedAt) / 1e9).toFixed(6);
}

/** The seed headers in order, with a request id, for answers written straight to a socket. */
export function rawSeedHeaders(requestId: string): Array<[string, string]> {
  return Object.entries(seedBlock(undefined, requestId, (0).toFixed(6))) as Array<[string, string]>;
}

/**
 * Writes every seed header, in order and with this request's values, ahead of the headers the
 * reply already has. Safe to call again on the same reply (the values are refreshed in place).
 */
export function writeSeedHeaders(request: FastifyRequest, reply: FastifyReply): void {
  const holder = reply as ReplyWithHeaderMap;
  const own = holder[HEADERS]!;
  const headers = seedBlock(request.auth?.nextToken, request.id, runtime(request));
  for (const name in own) {
    // X-token and X-Runtime are this moment's (an earlier write's may be stale); anything else
    // the route set wins, in the seed's place when the seed has the name.
    if (name !== 'x-token' && name !== 'x-runtime') headers[name] = own[name];
  }
  holder[HEADERS] = headers;
}

/** Registers the headers on every route of `app` (call it inside the API's scope). */
export function seedHeaders(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    writeSeedHeaders(request, reply);
    done(null, payload);
  });
}
