/**
 * The media host's one error type. It answers like Cloudinary, `{"error": {"message"}}` with
 * the status Cloudinary uses, and stays apart from the album API's AppError: the host is a
 * separate service that happens to run in the same process.
 *
 * Only the statuses the official SDK reads as an answer (400, 401, 404, 420, 500) are used
 * for refusals the SDK may meet; a 409 would reach SDK users as "unexpected status code".
 */
import type { FastifyError } from 'fastify';

export type MediaErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'internal';

const STATUS: Record<MediaErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 420,
  internal: 500,
};

export class MediaError extends Error {
  readonly code: MediaErrorCode;
  readonly status: number;

  constructor(code: MediaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MediaError';
    this.code = code;
    this.status = STATUS[code];
  }

  /** Cloudinary's error body. */
  toJSON(): { error: { message: string } } {
    return { error: { message: this.message } };
  }
}

export const badRequest = (message: string): MediaError => new MediaError('bad_request', message);
export const unauthorized = (message: string): MediaError => new MediaError('unauthorized', message);
export const notFound = (message: string): MediaError => new MediaError('not_found', message);
export const payloadTooLarge = (message: string): MediaError => new MediaError('payload_too_large', message);

/** Any error as a MediaError: Fastify's own keep their 4xx status, the rest are a bare 500. */
export function toMediaError(error: FastifyError | Error): MediaError {
  if (error instanceof MediaError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return badRequest(`Invalid request: ${error.message}`);
  const status = fastifyError.statusCode ?? 500;
  if (status === 413) return payloadTooLarge('Request body is too large');
  if (status === 415) return new MediaError('unsupported_media_type', error.message);
  if (status === 404) return notFound(error.message);
  if (status >= 400 && status < 500) return badRequest(error.message);
  return new MediaError('internal', 'Internal server error', { cause: error });
}
