import { Type } from 'typebox';
import { MAX_SHARED_IMAGES } from '../../../services/share-links.service.ts';
import { AlbumIdParam, authErrors, ErrorSchema } from '../../schemas/common.schema.ts';
import { Flag, ImageId, isSet } from '../../schemas/operations.schema.ts';
import { ShareSchema } from '../../schemas/share.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** A public link to the album, or to `image_ids[]` of it (ability `Share`). */
export function createShare(app: Api): void {
  app.post(
    '/albums/:id/shares',
    {
      schema: {
        operationId: 'shares.create',
        tags: ['shares'],
        summary: 'Create a public share link to the album or chosen images, optionally expiring, with downloads, behind a password (ability: Share)',
        params: Type.Object({ id: AlbumIdParam }),
        body: Type.Optional(
          Type.Object({
            image_ids: Type.Optional(Type.Array(ImageId, { minItems: 1, maxItems: MAX_SHARED_IMAGES })),
            expires_at: Type.Optional(Type.String({ maxLength: 64, description: 'ISO 8601 date-time, in the future' })),
            allow_download: Type.Optional(Flag),
            password: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          }),
        ),
        response: { 200: ShareSchema, ...authErrors, 422: ErrorSchema },
      },
    },
    async (request) => {
      const body = request.body ?? {};
      return app.services.shares.create(actorOf(request), request.params.id, {
        imageIds: body.image_ids,
        expiresAt: body.expires_at,
        allowDownload: isSet(body.allow_download),
        password: body.password,
      });
    },
  );
}
