import { Type } from 'typebox';
import { AlbumSchema } from '../../schemas/album.schema.ts';
import { AlbumIdParam, authErrors, ErrorSchema } from '../../schemas/common.schema.ts';
import { Flag, isSet } from '../../schemas/operations.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** Copy every image into `destination_id` (new or existing); copies share the stored media. */
export function duplicateAlbum(app: Api): void {
  app.post(
    '/albums/:id/duplicate',
    {
      schema: {
        operationId: 'albums.duplicate',
        tags: ['albums'],
        summary: 'Copy every image into another album (new or existing); returns the destination album',
        params: Type.Object({ id: AlbumIdParam }),
        body: Type.Object({
          destination_id: Type.Optional(AlbumIdParam),
          tags: Type.Optional(Flag),
        }),
        response: { 200: AlbumSchema, ...authErrors, 422: ErrorSchema },
      },
    },
    async (request) =>
      app.services.albums.duplicate(actorOf(request), request.params.id, {
        destinationId: request.body.destination_id,
        copyTags: isSet(request.body.tags),
      }),
  );
}
