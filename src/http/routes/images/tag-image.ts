import { Type } from 'typebox';
import { ImageSchema } from '../../schemas/image.schema.ts';
import { authErrors } from '../../schemas/common.schema.ts';
import { ImageId } from '../../schemas/operations.schema.ts';
import { TagName } from '../../schemas/tag.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** `tag=<name>`: the image, tagged (a repeat changes nothing). */
export function tagImage(app: Api): void {
  app.post(
    '/images/:id/tags',
    {
      schema: {
        operationId: 'images.tag',
        tags: ['tags'],
        summary: "Tag an image (ability: image_tag; a tag of the token's declared set or of the organization when a set is declared)",
        params: Type.Object({ id: ImageId }),
        body: Type.Object({ tag: TagName }),
        response: { 200: ImageSchema, ...authErrors },
      },
    },
    async (request) => app.services.tags.tag(actorOf(request), request.params.id, request.body.tag),
  );
}
