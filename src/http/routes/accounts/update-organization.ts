import { Type } from 'typebox';
import { OrganizationSchema } from '../../schemas/account.schema.ts';
import { authErrors } from '../../schemas/common.schema.ts';
import { Flag, isSet } from '../../schemas/operations.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** null or '' clears the URL. */
const WebhookUrl = Type.Union([Type.String({ maxLength: 2048 }), Type.Null()]);

/**
 * Admins set the organization's webhook: `webhook_url` (or `organization[webhook_url]`).
 * The signing secret comes back once, when first generated or rotated (`rotate_webhook_secret`).
 */
export function updateOrganization(app: Api): void {
  app.put(
    '/organization',
    {
      schema: {
        operationId: 'organization.update',
        tags: ['accounts'],
        summary: "Set the organization's webhook URL (admins); the signing secret is returned once",
        body: Type.Object({
          webhook_url: Type.Optional(WebhookUrl),
          organization: Type.Optional(Type.Object({ webhook_url: Type.Optional(WebhookUrl) })),
          rotate_webhook_secret: Type.Optional(Flag),
        }),
        response: {
          200: Type.Object({ ...OrganizationSchema.properties, webhook_secret: Type.Optional(Type.String()) }),
          ...authErrors,
        },
      },
    },
    async (request) =>
      app.services.webhooks.configure(actorOf(request), {
        webhookUrl: request.body.organization?.webhook_url !== undefined ? request.body.organization.webhook_url : request.body.webhook_url,
        rotateSecret: isSet(request.body.rotate_webhook_secret),
      }),
  );
}
