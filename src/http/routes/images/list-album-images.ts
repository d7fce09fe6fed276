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
        summary:
          "An album's images, newest first, or by sort=created_at|taken_at and order=asc|desc (else the token's Sort); tag= filters (ability: image_list; total in X-Total-Count)",
        params: Type.Object({ album_id: AlbumIdParam }),
        querystring: Type.Object({
          ...PaginationQuery.properties,
          tag: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          sort: Type.Optional(Type.Union([Type.Literal('created_at'), Type.Literal('taken_at')])),
          order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
        }),
        response: { 200: Type.Array(ImageSchema), ...authErrors },
      },
    },
    async (request, reply) => {
      const { page = 1, per_page: perPage = 25, tag, sort, order } = request.query;
      const options = { tag, sort: sort || order ? { field: sort ?? 'created_at', order: order ?? 'desc' } : undefined };
      const result = await app.services.images.list(actorOf(request), request.params.album_id, page, perPage, options);
      writePaginationHeaders(reply, page, perPage, result.total);
      return result.items;
    },
  );
}
