import { Type } from 'typebox';
import { authErrors } from '../../schemas/common.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** Revokes a link: its page and the URLs it handed out are 404 from now on. */
export function revokeShare(app: Api): void {
  app.delete(
    '/shares/:id',
    {
      schema: {
        operationId: 'shares.revoke',
        tags: ['shares'],
        summary: 'Revoke a share link at once (ability: Share on its album)',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 204: Type.Null(), ...authErrors },
      },
    },
    async (request, reply) => {
      await app.services.shares.revoke(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
}
