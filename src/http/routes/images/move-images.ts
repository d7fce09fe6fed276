import { Type } from 'typebox';
import { authErrors } from '../../schemas/common.schema.ts';
import { ImageId } from '../../schemas/operations.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** `move_operations[<image id>]=<album id>`: all or nothing; unknown album ids become albums. */
export function moveImages(app: Api): void {
  app.post(
    '/images/move',
    {
      schema: {
        operationId: 'images.move',
        tags: ['images'],
        summary: 'Move images between albums, all or nothing (image_delete on the sources, image_upload on the destinations)',
        body: Type.Object({
          move_operations: Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 255 }), { minProperties: 1, maxProperties: 10_000 }),
        }),
        response: {
          200: Type.Object({ moved: Type.Array(ImageId), dropped_duplicates: Type.Array(ImageId) }),
          ...authErrors,
        },
      },
    },
    async (request) => app.services.moves.move(actorOf(request), request.body.move_operations),
  );
}
