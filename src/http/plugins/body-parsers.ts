/**
 * Request bodies: Rails-style nested forms (`album[public_id]=x`, `image_ids[]=a`) through qs,
 * and JSON, where an empty body means `{}` as it does for a form.
 */
import type { FastifyInstance } from 'fastify';
import qs from 'qs';
import { badRequest } from '../../errors/app-error.ts';

export function bodyParsers(app: FastifyInstance): void {
  // A POST without a body means "no parameters", as with Rails, rather than a schema error.
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.body === undefined || request.body === null) request.body = {};
    done();
  });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (request, body, done) => {
      request.rawBody = body as string;
      done(null, qs.parse(body as string, { depth: 5, arrayLimit: 10_000, parameterLimit: 10_000 }));
    },
  );
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    const text = (body as string).trim();
    if (text === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(badRequest('Malformed JSON body'), undefined);
    }
  });
}
