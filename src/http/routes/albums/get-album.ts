import { Type } from 'typebox';
import { AlbumSchema } from '../../schemas/album.schema.ts';
import { AlbumIdParam, authErrors } from '../../schemas/common.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

export function getAlbum(app: Api): void {
  app.get(
    '/albums/:id',
    {
      schema: {
        operationId: 'albums.get',
        tags: ['albums'],
        summary: 'One album (ability: see)',
        params: Type.Object({ id: AlbumIdParam }),
        response: { 200: AlbumSchema, ...authErrors },
      },
    },
    async (request) => app.services.albums.get(actorOf(request), request.params.id),
  );
}
