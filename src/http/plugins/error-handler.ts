/**
 * The one place errors become responses: our AppError renders itself; Fastify's own errors
 * (validation, body too large, bad content type, URL too long) keep their status with a clear
 * message; anything else is a 500 whose details go only to the log. Unknown routes answer in
 * the format of the part of the service their path belongs to (see error-audience.ts).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, STATUS } from '../../errors/app-error.ts';
import { sendError, uriTooLong } from './error-audience.ts';

const CODE_OF_STATUS = new Map(Object.entries(STATUS).map(([code, status]) => [status, code as ErrorCode]));
import { validationMessage } from './validation-message.ts';

/** Renders any error as an AppError (what the API answers). */
export function toAppError(error: FastifyError | Error): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return new AppError('bad_request', validationMessage(fastifyError.validation, error.message));
  const status = fastifyError.statusCode ?? 500;
  if (status === 413) return new AppError('payload_too_large', 'Request body is too large');
  // Fastify's message quotes the whole URL, which is what was too long.
  if (status === 414) return uriTooLong();
  const code = CODE_OF_STATUS.get(status);
  if (code && status < 500) return new AppError(code, error.message);
  if (status >= 400 && status < 500) return new AppError('bad_request', error.message);
  return new AppError('internal', 'Internal server error', { cause: error });
}

/**
 * The error handlers set by `errorHandler`: an AppError below 500 becomes exactly its status,
 * the JSON type and `toJSON()`, and nothing else happens. A hook of such a scope may answer
 * that itself, without an error (see authentication.ts).
 */
const APP_ERROR_JSON_HANDLERS = new WeakSet<object>();

/** Whether `handler` (an instance's `errorHandler`) answers AppErrors with their plain JSON. */
export function answersAppErrorsAsJson(handler: unknown): boolean {
  return typeof handler === 'function' && APP_ERROR_JSON_HANDLERS.has(handler);
}

/** Errors of `app` and its children answered as the contract's JSON (see toAppError). */
export function jsonErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    reply.status(appError.status).type('application/json; charset=utf-8').send(appError.toJSON());
  });
  // What the instance and its children answer with (Fastify keeps a bound copy of the handler).
  APP_ERROR_JSON_HANDLERS.add(app.errorHandler);
}

/** `cloudName`: the embedded media host's, whose paths answer Cloudinary's error format; null inside the API's scope. */
export function errorHandler(app: FastifyInstance, cloudName: string | null = null): void {
  jsonErrors(app);
  app.setNotFoundHandler((request, reply) => {
    const appError = new AppError('not_found', `Route ${request.method} ${request.url.split('?')[0]} not found`);
    sendError(request, reply, appError, cloudName);
  });
}
