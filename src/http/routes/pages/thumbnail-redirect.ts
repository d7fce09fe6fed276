import { Type } from 'typebox';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';
import type { PageDeps } from './deps.ts';

/**
 * `GET /images/:image_id/thumbnails/:type` (`original|full|large|mini`): a stable link that
 * redirects (302) to the image's current signed derivative URL. Needs a token (`?token=` or
 * header) with `see` on the image's album; errors are JSON.
 */
export function thumbnailRedirect(app: Api, deps: PageDeps): void {
  app.get(
    '/images/:image_id/thumbnails/:type',
    {
      schema: {
        operationId: 'images.thumbnail',
        tags: ['images'],
        summary: "Redirect to an image's signed derivative: original, full, large or mini (ability: see)",
        params: Type.Object({
          image_id: Type.String({ minLength: 1, maxLength: 255 }),
          type: Type.String({ maxLength: 64 }),
        }),
        querystring: Type.Object({ token: Type.Optional(Type.String()) }),
      },
    },
    async (request, reply) => {
      const url = await deps.thumbnails.url(actorOf(request), request.params.image_id, request.params.type);
      // The answer depends on the token: no shared cache may keep it, and the token in this
      // URL must not travel on as a referrer.
      return reply.header('Cache-Control', 'no-store').header('Referrer-Policy', 'no-referrer').redirect(url, 302);
    },
  );
}
