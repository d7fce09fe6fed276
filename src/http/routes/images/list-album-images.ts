import { Type } from 'typebox';
import { ImageSchema } from '../../schemas/image.schema.ts';
import { AlbumIdParam, authErrors, PaginatedList, PaginationQuery } from '../../schemas/common.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import { pageRequest, writePaginationHeaders } from '../pagination.ts';
import type { Api } from '../../types.ts';

export function listAlbumImages(app: Api): void {
  app.get(
    '/albums/:album_id/images',
    {
      schema: {
        operationId: 'images.list',
        tags: ['images'],
        summary:
          "An album's images, newest first, or by sort=created_at|taken_at and order=asc|desc (else the token's Sort); tag= filters; by page or cursor (ability: image_list; total in X-Total-Count, next page in X-Next-Cursor and Link)",
        params: Type.Object({ album_id: AlbumIdParam }),
        querystring: Type.Object({
          ...PaginationQuery.properties,
          tag: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          sort: Type.Optional(Type.Union([Type.Literal('created_at'), Type.Literal('taken_at')])),
          order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
        }),
        response: { 200: PaginatedList(ImageSchema), ...authErrors },
      },
    },
    async (request, reply) => {
      const { tag, sort, order } = request.query;
      const options = { tag, sort: sort || order ? { field: sort ?? 'created_at', order: order ?? 'desc' } : undefined };
      const asked = pageRequest(request.query);
      const result = await app.services.images.list(actorOf(request), request.params.album_id, asked, options);
      writePaginationHeaders(reply, request, asked, result);
      return result.items;
    },
  );
}
