import { Type } from 'typebox';
import { AlbumIdParam, authErrors, PaginatedList, PaginationQuery } from '../../schemas/common.schema.ts';
import { TrashedImageSchema } from '../../schemas/operations.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import { pageRequest, writePaginationHeaders } from '../pagination.ts';
import type { Api } from '../../types.ts';

export function listTrash(app: Api): void {
  app.get(
    '/trashed_images',
    {
      schema: {
        operationId: 'trash.list',
        tags: ['trash'],
        summary:
          'Deleted images, most recent first, of one album or of every album the token may see the trash of, by page or cursor (ability: trash; total in X-Total-Count, next page in X-Next-Cursor and Link)',
        querystring: Type.Object({ ...PaginationQuery.properties, album_id: Type.Optional(AlbumIdParam) }),
        response: { 200: PaginatedList(TrashedImageSchema), ...authErrors },
      },
    },
    async (request, reply) => {
      const asked = pageRequest(request.query);
      const result = await app.services.trash.listTrash(actorOf(request), request.query.album_id, asked);
      writePaginationHeaders(reply, request, asked, result);
      return result.items;
    },
  );
}
