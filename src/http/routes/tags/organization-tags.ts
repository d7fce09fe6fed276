import { Type } from 'typebox';
import { authErrors } from '../../schemas/common.schema.ts';
import { OrganizationTagSchema, TagLabelsSchema, TagName } from '../../schemas/tag.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** The organization's own tags, which every album may use: listed by anyone, kept by admins. */
export function organizationTags(app: Api): void {
  app.get(
    '/tags',
    {
      schema: {
        operationId: 'tags.list',
        tags: ['tags'],
        summary: "The organization's tags, usable by every album",
        response: { 200: Type.Array(OrganizationTagSchema), ...authErrors },
      },
    },
    async (request) => app.services.tags.listOrganizationTags(actorOf(request)),
  );
  app.post(
    '/tags',
    {
      schema: {
        operationId: 'tags.put',
        tags: ['tags'],
        summary: 'Create an organization tag, or set its labels (admins)',
        body: Type.Object({ name: TagName, labels: Type.Optional(TagLabelsSchema) }),
        response: { 200: OrganizationTagSchema, ...authErrors },
      },
    },
    async (request) => app.services.tags.putOrganizationTag(actorOf(request), request.body.name, request.body.labels),
  );
  app.delete(
    '/tags/:name',
    {
      schema: {
        operationId: 'tags.delete',
        tags: ['tags'],
        summary: 'Stop offering an organization tag (admins); tagged images keep it',
        params: Type.Object({ name: TagName }),
        response: { 204: Type.Null(), ...authErrors },
      },
    },
    async (request, reply) => {
      await app.services.tags.deleteOrganizationTag(actorOf(request), request.params.name);
      return reply.status(204).send(null);
    },
  );
}
