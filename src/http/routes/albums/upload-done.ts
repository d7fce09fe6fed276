import { Type } from 'typebox';
import { AlbumSchema } from '../../schemas/album.schema.ts';
import { AlbumIdParam, authErrors } from '../../schemas/common.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** The client's "this upload batch ended": recorded, and sent to the organization's webhook. */
export function uploadDone(app: Api): void {
  app.post(
    '/albums/:id/upload_done',
    {
      schema: {
        operationId: 'albums.uploadDone',
        tags: ['albums'],
        summary: 'Record the end of an upload batch and notify the webhook (ability: image_upload); returns the album',
        params: Type.Object({ id: AlbumIdParam }),
        response: { 200: AlbumSchema, ...authErrors },
      },
    },
    async (request) => app.services.albums.uploadDone(actorOf(request), request.params.id),
  );
}
