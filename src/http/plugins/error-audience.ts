/**
 * Errors raised before any route of ours runs (unknown routes, malformed or oversized URLs,
 * oversized headers, timeouts) answer in the format of the part of the service their path
 * belongs to: the media host's paths (`/v1_1/...`, `/<cloud>/...`) as Cloudinary does,
 * `{"error": {"message"}}`; everything else as the API contract, `{"error": {"status",
 * "code", "message"}}`, with the seed headers on API paths.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors/app-error.ts';
import { MAX_URL_LENGTH } from '../../media/delivery/delivery-url.ts';
import { rawSeedHeaders, writeSeedHeaders } from './seed-headers.ts';


export type ErrorAudience = 'media' | 'api' | 'plain';

/** Who a path's errors are for; `cloudName` is the embedded host's (null when it is off). */
export function audienceOf(url: string, cloudName: string | null): ErrorAudience {
  if (cloudName !== null && (url.startsWith('/v1_1/') || url.startsWith(`/${cloudName}/`))) return 'media';
  return url.startsWith('/api/') ? 'api' : 'plain';
}

/** The body of `error` for `audience`. */
export function errorBody(error: AppError, audience: ErrorAudience): object {
  return audience === 'media' ? { error: { message: error.message } } : error.toJSON();
}

/** Sends `error` through Fastify in its audience's format. */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError, cloudName: string | null): void {
  const audience = audienceOf(request.url, cloudName);
  if (audience === 'api') {
    // Raised before the API's hooks ran, or outside the API's scope, whose onSend hook would
    // not write the seed headers (writing them twice leaves the same headers).
    if (!request.startedAt) request.startedAt = process.hrtime.bigint();
    writeSeedHeaders(request, reply);
  }
  if (audience === 'media') reply.header('Access-Control-Allow-Origin', '*').header('X-Content-Type-Options', 'nosniff');
  reply.status(error.status).type('application/json; charset=utf-8').send(errorBody(error, audience));
}

export const uriTooLong = (): AppError => new AppError('uri_too_long', `Request URL is too long (at most ${MAX_URL_LENGTH} characters)`);

/** Answers 414 to any URL over MAX_URL_LENGTH, whichever route (or none) it would reach. */
export function refuseLongUrls(app: FastifyInstance, cloudName: string | null): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (request.url.length <= MAX_URL_LENGTH) return done();
    // Answered here: the hooks after this one and the route do not run.
    sendError(request, reply, uriTooLong(), cloudName);
  });
}

/** Fastify's `frameworkErrors` option: malformed URLs (400) and over-long path parameters (414). */
export function frameworkErrors(cloudName: string | null, toAppError: (error: FastifyError) => AppError) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => sendError(request, reply, toAppError(error), cloudName);
}

/** The status and message of an error Node's HTTP parser raised on a connection. */
function clientErrorOf(err: NodeJS.ErrnoException): AppError {
  if (err.code === 'HPE_HEADER_OVERFLOW') return new AppError('headers_too_large', 'Request headers are too large');
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return new AppError('request_timeout', 'The request did not arrive in time');
  return new AppError('bad_request', 'Malformed HTTP request');
}

/**
 * The request path Node's parser had seen, from the bytes it was given or the request being
 * answered. Headers that time out half-sent leave no trace of their path: those count as
 * the API's, the service's main audience.
 */
function pathOf(err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket): string {
  const pending = (socket as Socket & { _httpMessage?: ServerResponse & { req?: { url?: string } } })._httpMessage;
  if (pending?.req?.url) return pending.req.url;
  const line = err.rawPacket?.subarray(0, 4096).toString('latin1') ?? '';
  return /^[A-Z]+ (\/\S*)/.exec(line)?.[1] ?? '/api/';
}

/**
 * Fastify's `clientErrorHandler`: what Node's parser refuses (headers too large: 431, a
 * request not received within the timeouts: 408, malformed: 400) is answered in the path's
 * format, unless an answer has already begun, and the connection is closed.
 */
export function clientErrorHandler(cloudName: string | null) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const pending = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (socket.writable && !pending?.headersSent) {
      const error = clientErrorOf(err);
      const audience = audienceOf(pathOf(err, socket), cloudName);
      const body = JSON.stringify(errorBody(error, audience));
      const headers: Array<[string, string]> =
        audience === 'api' ? rawSeedHeaders(randomUUID()) : [['Content-Type', 'application/json; charset=utf-8']];
      if (audience === 'media') headers.push(['Access-Control-Allow-Origin', '*'], ['X-Content-Type-Options', 'nosniff']);
      headers.push(['Content-Length', String(Buffer.byteLength(body))], ['Connection', 'close']);
      socket.write(`HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`);
    }
    socket.destroy();
  };
}
