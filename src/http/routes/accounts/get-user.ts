import { UserSchema } from '../../schemas/account.schema.ts';
import { authErrors } from '../../schemas/common.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

export function getUser(app: Api): void {
  app.get(
    '/user',
    {
      schema: {
        operationId: 'user.get',
        tags: ['accounts'],
        summary: "The caller's user",
        response: { 200: UserSchema, ...authErrors },
      },
    },
    async (request) => app.services.accounts.currentUser(actorOf(request)),
  );
}
