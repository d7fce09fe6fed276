import { Type } from 'typebox';
import { MAX_COPY } from '../../../services/image-copies.service.ts';
import { AlbumIdParam, authErrors } from '../../schemas/common.schema.ts';
import { ImageSchema } from '../../schemas/image.schema.ts';
import { Flag, ImageId, isSet } from '../../schemas/operations.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** `image_ids[]` and `album_id`: copies sharing the stored originals; all or nothing. */
export function copyImages(app: Api): void {
  app.post(
    '/images/copy',
    {
      schema: {
        operationId: 'images.copy',
        tags: ['images'],
        summary: 'Copy images into another album of the organization, sharing the stored media (image_copy on the sources, image_upload on the destination)',
        body: Type.Object({
          image_ids: Type.Array(ImageId, { minItems: 1, maxItems: MAX_COPY }),
          album_id: AlbumIdParam,
          tags: Type.Optional(Flag),
        }),
        response: {
          200: Type.Object({
            copies: Type.Array(Type.Object({ source_id: ImageId, image: ImageSchema })),
            skipped: Type.Array(ImageId, { description: 'Images the destination already shows' }),
          }),
          ...authErrors,
        },
      },
    },
    async (request) =>
      app.services.copies.copy(actorOf(request), request.body.image_ids, request.body.album_id, { copyTags: isSet(request.body.tags) }),
  );
}
