import { Type } from 'typebox';
import { ImageSchema } from '../../schemas/image.schema.ts';
import { AlbumIdParam, authErrors, ErrorSchema } from '../../schemas/common.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/**
 * What SharinPix's clients post after uploading through the album's form: the host's upload
 * answer (JSON, or its text in a form field), and metadatas for the new image.
 */
export function registerImage(app: Api): void {
  app.post(
    '/albums/:album_id/images',
    {
      schema: {
        operationId: 'images.register',
        tags: ['images'],
        summary:
          "Record an upload the client made through the album's form, from the host's signed upload answer (ability: image_upload); one image per album and public_id",
        params: Type.Object({ album_id: AlbumIdParam }),
        body: Type.Object({
          cloudinary: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.String({ maxLength: 65_536 })]),
          album_id: Type.Optional(Type.String()),
          metadatas: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.String({ maxLength: 65_536 })])),
        }),
        response: { 200: ImageSchema, ...authErrors, 422: ErrorSchema },
      },
    },
    async (request) =>
      app.services.registrations.register(actorOf(request), request.params.album_id, {
        cloudinary: request.body.cloudinary,
        metadatas: request.body.metadatas,
      }),
  );
}
