import { Type } from 'typebox';
import { ImageSchema } from '../../schemas/image.schema.ts';
import { AlbumIdParam, authErrors, PaginationQuery } from '../../schemas/common.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import { writePaginationHeaders } from '../pagination.ts';
import type { Api } from '../../types.ts';

export function listAlbumImages(app: Api): void {
  app.get(
    '/albums/:album_id/images',
    {
      schema: {
        operationId: 'images.list',
        tags: ['images'],
        summary: "An album's images, newest first (ability: image_list; total in X-Total-Count)",
        params: Type.Object({ album_id: AlbumIdParam }),
        querystring: PaginationQuery,
        response: { 200: Type.Array(ImageSchema), ...authErrors },
      },
    },
    async (request, reply) => {
      const { page = 1, per_page: perPage = 25 } = request.query;
      const result = await app.services.images.list(actorOf(request), request.params.album_id, page, perPage);
      writePaginationHeaders(reply, page, perPage, result.total);
      return result.items;
    },
  );
}
