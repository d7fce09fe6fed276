/**
 * `POST /v1_1/<cloud>/<resource_type>/context` (the SDK's `add_context`,
 * `remove_all_context`): `command` add | remove_all, `context` (`k=v|k2=v2`), `public_ids`.
 * Answers the public ids that exist.
 */
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../media-error.ts';
import { parseKeyValues } from '../upload/upload-options.ts';
import { manageRoute, type ManageDeps, publicIdList, type ResourceParams, signedCall } from './manage-deps.ts';
import { list, paramsSchema, SIGNED, text } from '../params-schema.ts';

const FIELDS = paramsSchema({
  command: text('add or remove_all'),
  context: text('`key=value|key2=value2` (for add)'),
  public_ids: list('Public ids, comma-separated or as a list (the SDK sends public_ids[])'),
  type: text('Their delivery type: upload (default), authenticated or private'),
  ...SIGNED,
});

export function contextRoute(app: FastifyInstance, deps: ManageDeps): void {
  app.post<{ Params: ResourceParams }>(
    '/v1_1/:cloud/:resource_type/context',
    manageRoute('media.context', 'Add or remove the context of assets (signed)', FIELDS),
    async (request) => {
      const { params, resourceType } = await signedCall(request, deps, FIELDS);
      if (params.command !== 'add' && params.command !== 'remove_all') {
        throw badRequest(`Invalid command ${JSON.stringify(params.command ?? '')}: add or remove_all`);
      }
      const given = parseKeyValues(params.context, 'context');
      if (params.command === 'add' && Object.keys(given).length === 0) throw badRequest('Missing required parameter - context');
      const done: string[] = [];
      for (const publicId of publicIdList(params.public_ids)) {
        const key = { resourceType, type: params.type ?? 'upload', publicId };
        const asset = await deps.assets.find(key);
        if (!asset) continue;
        const context = params.command === 'add' ? { ...(JSON.parse(asset.context) as Record<string, string>), ...given } : {};
        await deps.assets.update(key, { context: JSON.stringify(context) });
        done.push(publicId);
      }
      return { public_ids: done };
    },
  );
}
