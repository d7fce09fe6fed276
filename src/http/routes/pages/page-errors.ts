import type { FastifyError, FastifyInstance } from 'fastify';
import { toAppError } from '../../plugins/error-handler.ts';
import { errorPage } from './views/error-page.view.ts';
import { sendPage } from './views/html.ts';

/**
 * Errors of the pages' scope become HTML pages (401 bad token, 403, 404 unknown album, ...),
 * with the same mapping as the API's JSON errors. They may be framed: an embedded album
 * page that fails shows why, and an error page holds no data or action to protect.
 */
export function pageErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'page request failed');
    return sendPage(reply, appError.status, errorPage(appError.status, appError.message), {
      frameable: true,
      imageOrigins: [],
    });
  });
}
