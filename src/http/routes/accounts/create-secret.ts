import { Type } from 'typebox';
import { SecretSchema } from '../../schemas/account.schema.ts';
import { authErrors } from '../../schemas/common.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

export function createSecret(app: Api): void {
  app.post(
    '/secret',
    {
      schema: {
        operationId: 'secret.create',
        tags: ['accounts'],
        summary: 'Create an organization secret (admins)',
        body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }),
        response: { 200: SecretSchema, ...authErrors },
      },
    },
    async (request) => app.services.accounts.createSecret(actorOf(request), request.body.name ?? 'default'),
  );
}
