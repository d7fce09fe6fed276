import { Type } from 'typebox';
import { authErrors } from '../../schemas/common.schema.ts';
import { ImageSchema } from '../../schemas/image.schema.ts';
import { ImageId } from '../../schemas/operations.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** Takes an image out of the trash (deleting it from the trash = restoring it). */
export function restoreImage(app: Api): void {
  app.delete(
    '/trashed_images/:image_id',
    {
      schema: {
        operationId: 'trash.restore',
        tags: ['trash'],
        summary: 'Restore a deleted image to its album (ability: trash); returns the image',
        params: Type.Object({ image_id: ImageId }),
        response: { 200: ImageSchema, ...authErrors },
      },
    },
    async (request) => app.services.trash.restore(actorOf(request), request.params.image_id),
  );
}
