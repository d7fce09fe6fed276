import { Type } from 'typebox';
import { ImageSchema } from '../../schemas/image.schema.ts';
import { authErrors } from '../../schemas/common.schema.ts';
import { ImageId } from '../../schemas/operations.schema.ts';
import { TagName } from '../../schemas/tag.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** The image without the tag (an image without it is answered unchanged). */
export function untagImage(app: Api): void {
  app.delete(
    '/images/:id/tags/:name',
    {
      schema: {
        operationId: 'images.untag',
        tags: ['tags'],
        summary: 'Remove a tag from an image (ability: image_tag)',
        params: Type.Object({ id: ImageId, name: TagName }),
        response: { 200: ImageSchema, ...authErrors },
      },
    },
    async (request) => app.services.tags.untag(actorOf(request), request.params.id, request.params.name),
  );
}
