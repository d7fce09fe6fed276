import { OrganizationSchema } from '../../schemas/account.schema.ts';
import { authErrors } from '../../schemas/common.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

export function getOrganization(app: Api): void {
  app.get(
    '/organization',
    {
      schema: {
        operationId: 'organization.get',
        tags: ['accounts'],
        summary: "The caller's organization",
        response: { 200: OrganizationSchema, ...authErrors },
      },
    },
    async (request) => app.services.accounts.currentOrganization(actorOf(request)),
  );
}
