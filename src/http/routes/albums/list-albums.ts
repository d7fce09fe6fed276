import { Type } from 'typebox';
import { AlbumListItemSchema } from '../../schemas/album.schema.ts';
import { authErrors, PaginationQuery } from '../../schemas/common.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import { writePaginationHeaders } from '../pagination.ts';
import type { Api } from '../../types.ts';

export function listAlbums(app: Api): void {
  app.get(
    '/albums',
    {
      schema: {
        operationId: 'albums.list',
        tags: ['albums'],
        summary: 'The albums the caller may see, newest first (total in X-Total-Count)',
        querystring: PaginationQuery,
        response: { 200: Type.Array(AlbumListItemSchema), ...authErrors },
      },
    },
    async (request, reply) => {
      const { page = 1, per_page: perPage = 25 } = request.query;
      const result = await app.services.albums.list(actorOf(request), page, perPage);
      writePaginationHeaders(reply, page, perPage, result.total);
      return result.items;
    },
  );
}
