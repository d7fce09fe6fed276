import { Type } from 'typebox';
import { AlbumIdParam, authErrors, PaginationQuery } from '../../schemas/common.schema.ts';
import { TrashedImageSchema } from '../../schemas/operations.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import { writePaginationHeaders } from '../pagination.ts';
import type { Api } from '../../types.ts';

export function listTrash(app: Api): void {
  app.get(
    '/trashed_images',
    {
      schema: {
        operationId: 'trash.list',
        tags: ['trash'],
        summary: 'Deleted images, most recent first, of one album or of every album the token may see the trash of (ability: trash; total in X-Total-Count)',
        querystring: Type.Object({ ...PaginationQuery.properties, album_id: Type.Optional(AlbumIdParam) }),
        response: { 200: Type.Array(TrashedImageSchema), ...authErrors },
      },
    },
    async (request, reply) => {
      const { page = 1, per_page: perPage = 25, album_id: albumId } = request.query;
      const result = await app.services.images.listTrash(actorOf(request), albumId, page, perPage);
      writePaginationHeaders(reply, page, perPage, result.total);
      return result.items;
    },
  );
}
