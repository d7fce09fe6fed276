import { Type } from 'typebox';
import { ImageSchema } from '../../schemas/image.schema.ts';
import { authErrors } from '../../schemas/common.schema.ts';
import { ImageId } from '../../schemas/operations.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

export function getImage(app: Api): void {
  app.get(
    '/images/:id',
    {
      schema: {
        operationId: 'images.get',
        tags: ['images'],
        summary: 'One image (ability: see on its album)',
        params: Type.Object({ id: ImageId }),
        response: { 200: ImageSchema, ...authErrors },
      },
    },
    async (request) => app.services.imageEditor.get(actorOf(request), request.params.id),
  );
}
