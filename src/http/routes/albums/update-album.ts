import { Type } from 'typebox';
import { badRequest } from '../../../errors/app-error.ts';
import { AlbumSchema } from '../../schemas/album.schema.ts';
import { AlbumIdParam, authErrors, ErrorSchema, NestedFields } from '../../schemas/common.schema.ts';
import { Flag, isSet } from '../../schemas/operations.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

const PublicId = Type.String({ minLength: 1, maxLength: 255 });

/** Rename (`album[public_id]=new`, ability rename), or merge into an existing album (`merge=true`). */
export function updateAlbum(app: Api): void {
  app.put(
    '/albums/:id',
    {
      schema: {
        operationId: 'albums.update',
        tags: ['albums'],
        summary: 'Rename an album, or merge it into an existing one (merge=true); returns the resulting album',
        params: Type.Object({ id: AlbumIdParam }),
        // SharinPix's CLI sends `?merge=true` with a JSON body.
        querystring: Type.Object({ merge: Type.Optional(Flag) }),
        body: Type.Object({
          album: Type.Optional(NestedFields({ public_id: Type.Optional(PublicId) })),
          public_id: Type.Optional(PublicId),
          merge: Type.Optional(Flag),
        }),
        response: { 200: AlbumSchema, ...authErrors, 409: ErrorSchema },
      },
    },
    async (request) => {
      const newPublicId = request.body.album?.public_id ?? request.body.public_id;
      if (newPublicId === undefined) throw badRequest('album[public_id] is required');
      return app.services.albumRenames.update(actorOf(request), request.params.id, { newPublicId, merge: isSet(request.body.merge) || isSet(request.query.merge) });
    },
  );
}
