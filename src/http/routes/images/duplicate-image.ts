import { Type } from 'typebox';
import { authErrors } from '../../schemas/common.schema.ts';
import { ImageSchema } from '../../schemas/image.schema.ts';
import { ImageId } from '../../schemas/operations.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** A second image of the same picture in its album, with the source's caption, tags and edits. */
export function duplicateImage(app: Api): void {
  app.post(
    '/images/:id/duplicate',
    {
      schema: {
        operationId: 'images.duplicate',
        tags: ['images'],
        summary: 'Duplicate an image inside its album: a new image with its own stored original (ability: image_duplicate)',
        params: Type.Object({ id: ImageId }),
        response: { 200: ImageSchema, ...authErrors },
      },
    },
    async (request) => app.services.duplicates.duplicate(actorOf(request), request.params.id),
  );
}
