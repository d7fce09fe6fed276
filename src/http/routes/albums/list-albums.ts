import { AlbumListItemSchema } from '../../schemas/album.schema.ts';
import { authErrors, PaginatedList, PaginationQuery } from '../../schemas/common.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import { pageRequest, writePaginationHeaders } from '../pagination.ts';
import type { Api } from '../../types.ts';

export function listAlbums(app: Api): void {
  app.get(
    '/albums',
    {
      schema: {
        operationId: 'albums.list',
        tags: ['albums'],
        summary:
          'The albums the caller may see, newest first, by page or cursor (total in X-Total-Count, next page in X-Next-Cursor and Link)',
        querystring: PaginationQuery,
        response: { 200: PaginatedList(AlbumListItemSchema), ...authErrors },
      },
    },
    async (request, reply) => {
      const asked = pageRequest(request.query);
      const result = await app.services.albums.list(actorOf(request), asked);
      writePaginationHeaders(reply, request, asked, result);
      return result.items;
    },
  );
}
