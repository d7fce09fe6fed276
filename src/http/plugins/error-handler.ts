/**
 * The one place errors become responses: our AppError renders itself; Fastify's own errors
 * (validation, body too large, bad content type) keep their status with a clear message;
 * anything else is a 500 whose details go only to the log.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError } from '../../errors/app-error.ts';
import { validationMessage } from './validation-message.ts';

/** Renders any error as an AppError (what the API answers). */
export function toAppError(error: FastifyError | Error): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return new AppError('bad_request', validationMessage(fastifyError.validation, error.message));
  const status = fastifyError.statusCode ?? 500;
  if (status === 413) return new AppError('payload_too_large', 'Request body is too large');
  if (status === 415) return new AppError('unsupported_media_type', error.message);
  if (status === 404) return new AppError('not_found', error.message);
  if (status >= 400 && status < 500) return new AppError('bad_request', error.message);
  return new AppError('internal', 'Internal server error', { cause: error });
}

export function errorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    reply.status(appError.status).type('application/json; charset=utf-8').send(appError.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const appError = new AppError('not_found', `Route ${request.method} ${request.url.split('?')[0]} not found`);
    reply.status(404).type('application/json; charset=utf-8').send(appError.toJSON());
  });
}
