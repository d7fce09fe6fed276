/**
 * The one error type of the API. Services throw it through the factories below; the HTTP
 * error handler renders it as `{"error": {"status", "code", "message"}}`.
 */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'request_timeout'
  | 'conflict'
  | 'unprocessable'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'unsupported_media_type'
  | 'headers_too_large'
  | 'internal';

export const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  request_timeout: 408,
  conflict: 409,
  unprocessable: 422,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  headers_too_large: 431,
  internal: 500,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.status = STATUS[code];
  }

  /** Fastify's name for it: a handler that knows only Fastify's errors (the media host's) still answers this status. */
  get statusCode(): number {
    return this.status;
  }

  toJSON(): ErrorJson {
    return errorJson(this.code, this.message);
  }
}

/** The contract's error body. */
export interface ErrorJson {
  error: { status: number; code: ErrorCode; message: string };
}

/** What an AppError of `code` and `message` renders as, without building the error. */
export function errorJson(code: ErrorCode, message: string): ErrorJson {
  return { error: { status: STATUS[code], code, message } };
}

export const badRequest = (message: string): AppError => new AppError('bad_request', message);
export const unauthorized = (message = 'Invalid or missing token'): AppError => new AppError('unauthorized', message);
export const forbidden = (message = 'Not allowed'): AppError => new AppError('forbidden', message);
export const notFound = (what = 'Resource'): AppError => new AppError('not_found', `${what} not found`);
export const conflict = (message: string): AppError => new AppError('conflict', message);
export const payloadTooLarge = (message = 'Request body is too large'): AppError =>
  new AppError('payload_too_large', message);
