import { Type } from 'typebox';
import { AlbumIdParam, authErrors } from '../../schemas/common.schema.ts';
import { ShareSchema } from '../../schemas/share.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** The album's share links, expired ones included, newest first (ability `Share`). */
export function listShares(app: Api): void {
  app.get(
    '/albums/:id/shares',
    {
      schema: {
        operationId: 'shares.list',
        tags: ['shares'],
        summary: "List the album's share links with their views (ability: Share)",
        params: Type.Object({ id: AlbumIdParam }),
        response: { 200: Type.Array(ShareSchema), ...authErrors },
      },
    },
    async (request) => app.services.shares.list(actorOf(request), request.params.id),
  );
}
