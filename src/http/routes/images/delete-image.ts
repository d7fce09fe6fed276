import { Type } from 'typebox';
import { authErrors } from '../../schemas/common.schema.ts';
import { ImageId } from '../../schemas/operations.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** One image to the trash: 204. */
export function deleteImage(app: Api): void {
  app.delete(
    '/images/:id',
    {
      schema: {
        operationId: 'images.delete',
        tags: ['images'],
        summary: 'Move an image to the trash (ability: image_delete on its album)',
        params: Type.Object({ id: ImageId }),
        response: { 204: Type.Null(), ...authErrors },
      },
    },
    async (request, reply) => {
      await app.services.images.delete(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
}
