import { Type } from 'typebox';
import { ImageSchema } from '../../schemas/image.schema.ts';
import { AlbumIdParam, authErrors, ErrorSchema } from '../../schemas/common.schema.ts';
import { JsonObjectField, jsonObjectOf } from '../../schemas/json-object.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** SharinPix's `import`: `{import_type: "url", album_id, url, metadatas?}`; answers the image. */
export function importImage(app: Api): void {
  app.post(
    '/imports',
    {
      schema: {
        operationId: 'images.import',
        tags: ['images'],
        summary: 'Import a photo from a URL into an album (ability: image_upload): fetched, uploaded through the album form, recorded',
        body: Type.Object({
          import_type: Type.Optional(Type.Literal('url')),
          album_id: AlbumIdParam,
          url: Type.String({ minLength: 1, maxLength: 2048 }),
          metadatas: Type.Optional(JsonObjectField),
          filename: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        }),
        response: { 200: ImageSchema, ...authErrors, 413: ErrorSchema, 422: ErrorSchema },
      },
    },
    async (request) =>
      app.services.imports.importUrl(actorOf(request), {
        albumId: request.body.album_id,
        url: request.body.url,
        metadatas: request.body.metadatas === undefined ? undefined : jsonObjectOf(request.body.metadatas, 'metadatas'),
        filename: request.body.filename,
      }),
  );
}
