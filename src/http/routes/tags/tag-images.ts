import { Type } from 'typebox';
import { badRequest } from '../../../errors/app-error.ts';
import { ImageSchema } from '../../schemas/image.schema.ts';
import { authErrors } from '../../schemas/common.schema.ts';
import { ImageId } from '../../schemas/operations.schema.ts';
import { TagName } from '../../schemas/tag.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

const ImageIds = Type.Array(ImageId, { minItems: 1, maxItems: 1000 });

/**
 * Tags many images at once (`POST`) or removes the tag from them (`DELETE`), with
 * `image_ids[]` (form or JSON body; for DELETE also the query string): all or nothing.
 */
export function tagImages(app: Api): void {
  for (const method of ['post', 'delete'] as const) {
    app[method](
      '/tags/:name/images',
      {
        schema: {
          operationId: method === 'post' ? 'tags.apply' : 'tags.remove',
          tags: ['tags'],
          summary: method === 'post' ? 'Tag many images, all or nothing (image_tag on each album)' : 'Remove a tag from many images, all or nothing (image_tag on each album)',
          params: Type.Object({ name: TagName }),
          body: Type.Optional(Type.Object({ image_ids: Type.Optional(ImageIds) })),
          querystring: Type.Object({ 'image_ids[]': Type.Optional(ImageIds) }),
          response: { 200: Type.Array(ImageSchema), ...authErrors },
        },
      },
      async (request) => {
        const ids = request.body?.image_ids ?? request.query['image_ids[]'];
        if (!ids) throw badRequest('image_ids[] is required');
        return app.services.tags.changeMany(actorOf(request), request.params.name, ids, method === 'post' ? 'add' : 'remove');
      },
    );
  }
}
