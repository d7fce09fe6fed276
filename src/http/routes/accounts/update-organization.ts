import { Type } from 'typebox';
import { OrganizationSchema } from '../../schemas/account.schema.ts';
import { authErrors } from '../../schemas/common.schema.ts';
import { Flag, isSet } from '../../schemas/operations.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** null or '' clears the URL. */
const WebhookUrl = Type.Union([Type.String({ maxLength: 2048 }), Type.Null()]);
/** The events the webhook receives; null or '' for the default (this service's own events). */
const WebhookEvents = Type.Union([Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 }), Type.Null(), Type.Literal('')]);

const eventsOf = (events: string[] | null | '' | undefined): string[] | null | undefined => (events === '' ? null : events);

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
        summary: "Set the organization's webhook URL and the events it receives (admins); the signing secret is returned once",
        body: Type.Object({
          webhook_url: Type.Optional(WebhookUrl),
          webhook_events: Type.Optional(WebhookEvents),
          organization: Type.Optional(Type.Object({ webhook_url: Type.Optional(WebhookUrl), webhook_events: Type.Optional(WebhookEvents) })),
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
        webhookEvents: eventsOf(request.body.organization?.webhook_events ?? request.body.webhook_events),
      }),
  );
}
