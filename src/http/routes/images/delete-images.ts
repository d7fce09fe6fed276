import { Type } from 'typebox';
import { badRequest } from '../../../errors/app-error.ts';
import { authErrors } from '../../schemas/common.schema.ts';
import { ImageId } from '../../schemas/operations.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

const ImageIds = Type.Array(ImageId, { minItems: 1, maxItems: 10_000 });

/**
 * `image_ids[]=a&image_ids[]=b` (form or JSON body; also taken from the query string, for
 * clients that send no body with DELETE): all to the trash, or none.
 */
export function deleteImages(app: Api): void {
  app.delete(
    '/images',
    {
      schema: {
        operationId: 'images.deleteMany',
        tags: ['images'],
        summary: 'Move images to the trash, all or nothing (image_delete on each album); returns the deleted ids',
        body: Type.Object({ image_ids: Type.Optional(ImageIds) }),
        querystring: Type.Object({ image_ids: Type.Optional(ImageIds), 'image_ids[]': Type.Optional(ImageIds) }),
        response: { 200: Type.Object({ deleted: Type.Array(ImageId) }), ...authErrors },
      },
    },
    async (request) => {
      const ids = request.body.image_ids ?? request.query['image_ids[]'] ?? request.query.image_ids;
      if (!ids) throw badRequest('image_ids[] is required');
      return app.services.images.deleteMany(actorOf(request), ids);
    },
  );
}
