import { AlbumBody, AlbumSchema } from '../../schemas/album.schema.ts';
import { authErrors, ErrorSchema } from '../../schemas/common.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** The seed: create an album, optionally with a client-chosen id. */
export function createAlbum(app: Api): void {
  app.post(
    '/albums',
    {
      schema: {
        operationId: 'albums.create',
        tags: ['albums'],
        summary: 'Create an album with a signed upload form',
        body: AlbumBody,
        response: { 200: AlbumSchema, ...authErrors, 409: ErrorSchema },
      },
    },
    async (request) => {
      const publicId = request.body.album?.public_id ?? request.body.public_id;
      return app.services.albums.create(actorOf(request), publicId);
    },
  );
}
